"""What attention.py computes: positional encoding and how similar position vectors are
(notebook 05), attention weights, the seq2seq bottleneck, the causal mask, score scaling and
what "decoder" means (notebook 06), every layer and head of a trained GPT and one head over training (notebook 08)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from ._common import draw_arrow, draw_box, figure_and_axes


def plot_positional_encoding(encoding: torch.Tensor, ax: plt.Axes | None = None) -> plt.Figure:
    """Heatmap of a (positions, d_model) positional encoding."""
    fig, ax = figure_and_axes(ax, (8, 4))
    image = ax.imshow(encoding.numpy(), cmap="RdBu", vmin=-1, vmax=1, aspect="auto",
                      interpolation="nearest")
    ax.set(xlabel="dimension (even: sin, odd: cos)", ylabel="position",
           title=f"Sinusoidal positional encoding, {encoding.shape[0]} positions x "
                 f"d_model = {encoding.shape[1]}")
    fig.colorbar(image, ax=ax)
    return fig


def plot_positional_waves(encoding: torch.Tensor, dimensions: list[int]) -> plt.Figure:
    """One curve per chosen dimension across positions: each column is a wave of its own length."""
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for d in dimensions:
        ax.plot(encoding[:, d].numpy(), label=f"dim {d} ({'sin' if d % 2 == 0 else 'cos'})")
    ax.set(xlabel="position", ylabel="value", title="Low dimensions wave fast, high ones slowly")
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    fig.tight_layout()
    return fig


def plot_seq2seq_bottleneck(source: list[str] | None = None, target: list[str] | None = None,
                            weights: list[float] | None = None) -> plt.Figure:
    """Left: an RNN encoder-decoder passes one hidden state. Right: attention reads them all."""
    source = source or ["the", "cat", "sat", "on", "mats"]
    target = target or ["le", "chat", "s'est", "assis"]
    weights = weights or [0.05, 0.7, 0.1, 0.1, 0.05]  # illustrative weights of one decoder step
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.6))
    for ax, with_attention in zip(axes, (False, True)):
        n = len(source)
        for i, word in enumerate(source):
            draw_box(ax, i, 0, word, "#e8f1fa")
            draw_box(ax, i, 1, f"$h_{i + 1}$", "#bcd7f0")
            draw_arrow(ax, (i, 0), (i, 1))
            if i:
                draw_arrow(ax, (i - 1, 1), (i, 1))
        for j, word in enumerate(target):
            x = n + 1 + j
            draw_box(ax, x, 1, f"$s_{j + 1}$", "#f7d9b5")
            draw_box(ax, x, 2, word, "#fdf0e0")
            draw_arrow(ax, (x, 1), (x, 2))
            if j:
                draw_arrow(ax, (x - 1, 1), (x, 1))
        if with_attention:
            context = (n - 0.5, 2.9)  # the context vector of decoder step 2
            for i, w in enumerate(weights):
                draw_arrow(ax, (i, 1), context, color="tab:red", lw=0.5 + 6 * w, alpha=0.35 + 0.65 * w)
                ax.text(i - 0.3, 1.45, f"{w:.2f}", color="tab:red", fontsize=8)
            draw_box(ax, *context, "$c_2 = \\sum_i \\alpha_i h_i$", "#fbe3e3", width=1.8)
            draw_arrow(ax, context, (n + 2, 1), color="tab:red", lw=2)
            ax.set_title("With attention: each decoder step weighs ALL encoder states")
        else:
            draw_arrow(ax, (n - 1, 1), (n + 1, 1), color="tab:red", lw=3)
            ax.text(n, 1.45, "one vector\ncarries everything", ha="center", color="tab:red", fontsize=9)
            ax.set_title("Seq2seq RNN: the last hidden state is a bottleneck")
        ax.set_xlim(-0.7, n + len(target) + 0.7)
        ax.set_ylim(-0.5, 3.6 if with_attention else 2.6)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_attention(weights, query_labels: list[str], key_labels: list[str] | None = None,
                   title: str = "", ax: plt.Axes | None = None, annotate: bool | None = None,
                   cmap: str = "Blues", vmin: float = 0.0, vmax: float | None = None) -> plt.Figure:
    """Heatmap of attention weights: row = query (who asks), column = key (who is looked at).

    The colour scale runs from vmin to vmax (default: the largest finite value).
    """
    weights = torch.as_tensor(weights).detach().float().cpu()
    key_labels = query_labels if key_labels is None else key_labels
    fig, ax = figure_and_axes(ax, (0.45 * len(key_labels) + 2.5, 0.4 * len(query_labels) + 1.5))
    vmax = max(vmin + 1e-9, float(weights[weights.isfinite()].max())) if vmax is None else vmax
    ax.imshow(weights.numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(key_labels)), key_labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(query_labels)), query_labels, fontsize=8)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query")
    ax.set_title(title, fontsize=10)
    if annotate if annotate is not None else weights.numel() <= 64:
        for (i, j), value in zip(torch.cartesian_prod(torch.arange(weights.size(0)),
                                                       torch.arange(weights.size(1))).tolist(),
                                 weights.flatten().tolist()):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.6 * float(weights.max()) else "black")
    return fig


def plot_attention_heads(weights, labels: list[str], title: str = "") -> plt.Figure:
    """One heatmap per head; `weights` is (n_head, T, T)."""
    n_head = weights.shape[0]
    fig, axes = plt.subplots(1, n_head, figsize=(3.3 * n_head, 3.6), squeeze=False)
    for h, ax in enumerate(axes.flat):
        plot_attention(weights[h], labels, ax=ax, title=f"head {h}", annotate=False)
        ax.set_xlabel("")
        ax.set_ylabel("" if h else "query")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_masked_example(example: dict) -> plt.Figure:
    """The slide's masked attention: scores + mask -> masked scores -> softmax weights."""
    panels = [("scores", "scores"), ("mask", "+ mask"), ("masked_scores", "= masked scores"),
              ("weights", "softmax -> weights")]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
    for ax, (key, title) in zip(axes, panels):
        values = example[key]
        ax.imshow(torch.where(values.isfinite(), values, torch.nan).numpy(), cmap="Blues", vmin=-0.2, vmax=1.2)
        for i in range(values.size(0)):
            for j in range(values.size(1)):
                value = float(values[i, j])
                text = "-inf" if value == float("-inf") else f"{value:.2f}" if key == "weights" else f"{value:g}"
                ax.text(j, i, text, ha="center", va="center", fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_score_scaling(stats: dict[str, list[float]]) -> plt.Figure:
    """Variance of q . k and the softmax's largest weight, with and without dividing by sqrt(d_k)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, style in (("raw", "o-"), ("scaled", "s--")):
        label = "q·k" if name == "raw" else "q·k / sqrt(d_k)"
        left.plot(stats["d_k"], stats[f"variance_{name}"], style, label=label)
        right.plot(stats["d_k"], stats[f"max_weight_{name}"], style, label=label)
    left.set(xscale="log", yscale="log", xlabel="d_k", ylabel="variance of the scores",
             title="Scores grow with d_k unless scaled")
    right.set(xscale="log", xlabel="d_k", ylabel="mean largest softmax weight", ylim=(0, 1.05),
              title="Unscaled softmax saturates (one key takes all)")
    left.legend()
    right.legend()
    fig.tight_layout()
    return fig


def plot_attention_grid(attention: list[torch.Tensor], labels: list[str], title: str = "") -> plt.Figure:
    """Heatmaps of every layer (rows) and head (columns); `attention[layer]` is (n_head, T, T)."""
    n_layer, n_head = len(attention), attention[0].shape[0]
    fig, axes = plt.subplots(n_layer, n_head, figsize=(2.6 * n_head, 2.6 * n_layer), squeeze=False)
    for layer, heads in enumerate(attention):
        for head in range(n_head):
            ax = axes[layer, head]
            plot_attention(heads[head], labels, ax=ax, annotate=False)
            ax.set_title(f"layer {layer}, head {head}", fontsize=9)
            ax.set_xlabel("")
            ax.set_ylabel("")
            if layer < n_layer - 1:
                ax.set_xticks([])
            if head:
                ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_attention_over_training(maps: list[torch.Tensor], labels: list[str], titles: list[str],
                                 suptitle: str = "") -> plt.Figure:
    """One head's attention (T, T) at several points of training, side by side on one colour scale
    (0 to 1), so that a head sharpening from spread-out to focused is visible."""
    if len(maps) != len(titles):
        raise ValueError(f"one title per map: {len(maps)} maps, {len(titles)} titles")
    fig, axes = plt.subplots(1, len(maps), figsize=(2.8 * len(maps), 3.2), squeeze=False)
    for i, (weights, title) in enumerate(zip(maps, titles)):
        ax = axes[0, i]
        plot_attention(weights, labels, ax=ax, annotate=False, vmax=1.0, title=title)
        ax.set_xlabel("")
        if i:
            ax.set_yticks([])
            ax.set_ylabel("")
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_position_similarity(similarities: dict[str, torch.Tensor]) -> plt.Figure:
    """One heatmap per (P, P) cosine-similarity matrix of position vectors, then the mean
    similarity against the offset between the two positions, one curve per matrix."""
    from ..attention import similarity_by_offset

    fig, axes = plt.subplots(1, len(similarities) + 1, figsize=(4.3 * (len(similarities) + 1), 3.9))
    for ax, (name, similarity) in zip(axes, similarities.items()):
        image = ax.imshow(similarity.detach().cpu().numpy(), cmap="RdBu_r", vmin=-1, vmax=1,
                          interpolation="nearest")
        ax.set(xlabel="position", ylabel="position", title=f"{name}: cosine similarity")
        fig.colorbar(image, ax=ax, fraction=0.046)
    curves = axes[-1]
    for name, similarity in similarities.items():
        curves.plot(similarity_by_offset(similarity.detach().cpu()).numpy(), label=name)
    curves.axhline(0, color="grey", lw=0.8)
    curves.set(xlabel="offset between the two positions", ylabel="mean cosine similarity",
               ylim=(-1.05, 1.05), title="Similarity against distance")
    curves.legend(fontsize=8)
    fig.tight_layout()
    return fig


DECODERS = {
    "Transformer decoder layer\n(Vaswani et al. 2017)": [
        ("output tokens so far\n(shifted right)", "#fdf0e0"), ("masked self-attention", "#f7d9b5"),
        ("add & norm", "#eeeeee"), ("cross-attention", "#fbe3e3"), ("add & norm", "#eeeeee"),
        ("feed-forward", "#dcefd9"), ("add & norm", "#eeeeee"),
        ("next layer, then\nnext-token scores", "#fdf0e0")],
    "GPT block (decoder-only,\nnotebook 07)": [
        ("tokens so far", "#fdf0e0"), ("layer norm", "#eeeeee"), ("masked self-attention", "#f7d9b5"),
        ("+ residual", "#eeeeee"), ("layer norm", "#eeeeee"), ("feed-forward (MLP)", "#dcefd9"),
        ("+ residual", "#eeeeee"), ("next layer, then\nnext-token scores", "#fdf0e0")],
    "This notebook's toy decoder\n(TinyEncoderDecoder)": [
        ("one learned query\nper output position", "#fdf0e0"), ("cross-attention", "#fbe3e3"),
        ("layer norm + linear", "#eeeeee"), ("all 6 digits at once", "#fdf0e0")],
}


def plot_decoder_blocks() -> plt.Figure:
    """What "decoder" means: the Transformer's decoder layer (masked self-attention, then
    cross-attention to the encoder, then a feed-forward layer), the GPT's decoder-only block (no
    encoder, so no cross-attention) and the toy of notebook 06 (cross-attention only)."""
    fig, axes = plt.subplots(1, len(DECODERS), figsize=(4.2 * len(DECODERS), 5.6))
    for ax, (title, steps) in zip(axes, DECODERS.items()):
        for level, (text, color) in enumerate(steps):
            draw_box(ax, 0, level, text, color, width=2.2, height=0.62, fontsize=8.5)
            if level:
                draw_arrow(ax, (0, level - 1), (0, level))
            if text == "cross-attention":
                draw_box(ax, -1.9, level, "encoder states\n(keys, values)", "#bcd7f0", width=1.3,
                         height=0.62, fontsize=8)
                ax.annotate("", xy=(-1.1, level), xytext=(-1.25, level),
                            arrowprops=dict(arrowstyle="-|>", color="tab:red", lw=2))
        ax.set_xlim(-2.7, 1.3)
        ax.set_ylim(-0.6, max(len(stack) for stack in DECODERS.values()) - 0.4)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return fig
