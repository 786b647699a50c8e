"""Static matplotlib figures for the notebooks. Each function returns its Figure.

Sections are grouped by notebook; a notebook cell calls one function and ends with plt.show().
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import torch

# --- 00/01 ---
from .activations import get_activation
from .llm_facts import DATASETS, HISTORY, MODELS, TRAINING_TOKENS, human_bytes, human_count


def _log_bars(ax, labels: list[str], values: list[float], colors: list[str], fmt, title: str):
    bars = ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.set_title(title)
    ax.invert_yaxis()
    for bar, value in zip(bars, values):
        ax.text(value * 1.15, bar.get_y() + bar.get_height() / 2, fmt(value), va="center")
    ax.set_xlim(min(values) / 3, max(values) * 20)


def plot_data_sizes(our_corpus: dict[str, float] | None = None) -> plt.Figure:
    """The slide's data sizes on log scales: tokens (left) and disk size (right).

    `our_corpus` ({"name", "tokens", "bytes"}) adds the workshop's corpus for comparison.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.8))
    names = [f"{n} (dataset)" for n in DATASETS] + [f"{n} (trained on)" for n in TRAINING_TOKENS]
    tokens = [d["tokens"] for d in DATASETS.values()] + list(TRAINING_TOKENS.values())
    colors = ["tab:blue"] * len(DATASETS) + ["tab:orange"] * len(TRAINING_TOKENS)
    disk_names, disk = list(DATASETS), [d["bytes"] for d in DATASETS.values()]
    disk_colors = ["tab:blue"] * len(DATASETS)
    if our_corpus:
        for items, value in ((names, our_corpus["name"]), (tokens, our_corpus["tokens"]),
                             (colors, "tab:green"), (disk_names, our_corpus["name"]),
                             (disk, our_corpus["bytes"]), (disk_colors, "tab:green")):
            items.append(value)
    _log_bars(left, names, tokens, colors, human_count, "Tokens (log scale)")
    _log_bars(right, disk_names, disk, disk_colors, human_bytes, "Disk size (log scale)")
    fig.tight_layout()
    return fig


def plot_model_sizes(bits: int = 16) -> plt.Figure:
    """Parameters (left) and bytes on disk (right): params x bits/8 beside the slide's figure."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3))
    names = list(MODELS)
    _log_bars(left, names, [m["parameters"] for m in MODELS.values()], ["tab:purple"] * len(names),
              human_count, "Parameters (log scale)")
    positions = torch.arange(len(names)).float()
    computed = [m["parameters"] * bits / 8 for m in MODELS.values()]
    quoted = [m["slide_bytes"] for m in MODELS.values()]
    right.barh(positions - 0.2, computed, height=0.4, label=f"parameters x {bits // 8} bytes ({bits}-bit)")
    right.barh(positions + 0.2, quoted, height=0.4, label="the slide's disk size")
    for y, a, b in zip(positions.tolist(), computed, quoted):
        right.text(a * 1.1, y - 0.2, human_bytes(a), va="center")
        right.text(b * 1.1, y + 0.2, human_bytes(b), va="center")
    right.set_yticks(positions.tolist(), names)
    right.set_xscale("log")
    right.set_xlim(min(computed + quoted) / 3, max(computed + quoted) * 20)
    right.invert_yaxis()
    right.set_title("Bytes (log scale)")
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_history_timeline(today: int = 2025) -> plt.Figure:
    """The slide's "brief history" as a timeline: one stop per era, 1950s to today (not to scale)."""
    fig, ax = plt.subplots(figsize=(13, 4))
    ax.axhline(0, color="grey", lw=2, zorder=0)
    colors = plt.cm.viridis([i / len(HISTORY) for i in range(len(HISTORY))])
    for i, ((_, _, years, era, examples), color) in enumerate(zip(HISTORY, colors)):
        side = 1 if i % 2 == 0 else -1
        ax.scatter(i, 0, s=160, color=color, zorder=2)
        ax.plot([i, i], [0, 0.35 * side], color=color)
        label = f"{years}\n{textwrap.fill(era, 22)}\n{textwrap.fill(examples, 24)}"
        ax.text(i, 0.4 * side, label, ha="center", va="bottom" if side > 0 else "top", fontsize=9,
                fontweight="normal", bbox={"boxstyle": "round", "fc": "white", "ec": color})
    ax.set_xlim(-0.7, len(HISTORY) - 0.3)
    ax.set_ylim(-1.6, 1.6)
    ax.axis("off")
    ax.set_title(f"A brief history, 1950s to {today} (one stop per era, not to scale)")
    fig.tight_layout()
    return fig


def plot_genre_counts(counts: dict[str, int], title: str = "Passages per genre") -> plt.Figure:
    """Bar chart of a {genre: count} mapping, largest first."""
    fig, ax = plt.subplots(figsize=(7, 3))
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    bars = ax.bar([genre for genre, _ in ordered], [count for _, count in ordered], color="tab:green")
    ax.bar_label(bars, fmt="{:,.0f}", fontsize=8)
    ax.set_ylabel("passages")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_activation(name: str, parameter: float | None = None, show_derivative: bool = True,
                    ax: plt.Axes | None = None, x_range: tuple[float, float] = (-4.0, 4.0)) -> plt.Figure:
    """One activation (solid) and, optionally, its derivative (dashed), with its formula."""
    activation = get_activation(name)
    fig = ax.figure if ax is not None else plt.subplots(figsize=(5, 3.5))[0]
    ax = ax if ax is not None else fig.axes[0]
    x = torch.linspace(*x_range, 401)
    ax.plot(x, activation(x, parameter), label=activation.name, lw=2)
    if show_derivative:
        ax.plot(x, activation.grad(x, parameter), "--", label="derivative")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    value = activation.default if parameter is None else parameter
    suffix = f"   ({activation.parameter} = {value:g})" if activation.parameter else ""
    ax.set_title(f"${activation.formula}${suffix}", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_all_activations(names: list[str], show_derivative: bool = True) -> plt.Figure:
    """A grid with every activation in `names` and its derivative."""
    columns = 3
    rows = (len(names) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(14, 3.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        plot_activation(name, show_derivative=show_derivative, ax=ax)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_decision_boundaries(results: dict[str, dict]) -> plt.Figure:
    """Side by side: each model's predicted probability of class 1 and the training points.

    `results` maps a title to a dict with xs, ys, probability, points, labels, accuracy
    (as nn_basics.nonlinearity_experiment returns).
    """
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4.4), squeeze=False)
    for ax, (title, run) in zip(axes.flat, results.items()):
        ax.contourf(run["xs"], run["ys"], run["probability"], levels=20, cmap="coolwarm", alpha=0.6)
        ax.contour(run["xs"], run["ys"], run["probability"], levels=[0.5], colors="black")
        points, labels = run["points"], run["labels"]
        ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", s=10, edgecolors="k", linewidths=0.3)
        ax.set_title(f"{title}: accuracy {run['accuracy']:.1%}")
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


# --- 06/07 ---
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402


def token_labels(tokenizer, ids) -> list[str]:
    """Readable label per token id (each decoded alone; spaces shown as '·')."""
    ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
    return [tokenizer.decode([i]).replace(" ", "·").replace("\n", "⏎") for i in ids]


def _box(ax, x, y, text, color="white", width=0.9, height=0.5, fontsize=9):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.03", fc=color, ec="black", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="black", lw=1.2, alpha=1.0, bend=0.0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=color,
                                 lw=lw, alpha=alpha, shrinkA=12, shrinkB=12,
                                 connectionstyle=f"arc3,rad={bend}"))


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
            _box(ax, i, 0, word, "#e8f1fa")
            _box(ax, i, 1, f"$h_{i + 1}$", "#bcd7f0")
            _arrow(ax, (i, 0), (i, 1))
            if i:
                _arrow(ax, (i - 1, 1), (i, 1))
        for j, word in enumerate(target):
            x = n + 1 + j
            _box(ax, x, 1, f"$s_{j + 1}$", "#f7d9b5")
            _box(ax, x, 2, word, "#fdf0e0")
            _arrow(ax, (x, 1), (x, 2))
            if j:
                _arrow(ax, (x - 1, 1), (x, 1))
        if with_attention:
            context = (n - 0.5, 2.9)  # the context vector of decoder step 2
            for i, w in enumerate(weights):
                _arrow(ax, (i, 1), context, color="tab:red", lw=0.5 + 6 * w, alpha=0.35 + 0.65 * w)
                ax.text(i - 0.3, 1.45, f"{w:.2f}", color="tab:red", fontsize=8)
            _box(ax, *context, "$c_2 = \\sum_i \\alpha_i h_i$", "#fbe3e3", width=1.8)
            _arrow(ax, context, (n + 2, 1), color="tab:red", lw=2)
            ax.set_title("With attention: each decoder step weighs ALL encoder states")
        else:
            _arrow(ax, (n - 1, 1), (n + 1, 1), color="tab:red", lw=3)
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
    fig = ax.figure if ax is not None else plt.subplots(figsize=(0.45 * len(key_labels) + 2.5,
                                                                 0.4 * len(query_labels) + 1.5))[0]
    ax = ax if ax is not None else fig.axes[0]
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


def plot_layer_norm_effect(before: torch.Tensor, after: torch.Tensor) -> plt.Figure:
    """Mean and standard deviation of each token's features before and after layer norm."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
    tokens = range(before.size(0))
    for ax, stat in zip(axes, ("mean", "std")):
        values = [getattr(t, stat)(dim=-1, **({"unbiased": False} if stat == "std" else {}))
                  for t in (before, after)]
        ax.bar([t - 0.2 for t in tokens], values[0].detach().numpy(), width=0.4, label="before")
        ax.bar([t + 0.2 for t in tokens], values[1].detach().numpy(), width=0.4, label="after layer norm")
        ax.set(xlabel="token", title=f"per-token {stat} of the features")
        ax.legend()
    fig.tight_layout()
    return fig


def plot_gpt_diagram(config) -> plt.Figure:
    """The GPT of workshop_utils.model as a block diagram with tensor shapes."""
    C, V, L = config.n_embd, config.vocab_size, config.n_layer
    fig, ax = plt.subplots(figsize=(8, 10))
    steps = [(0, "token ids", "(B, T)", "#eeeeee"), (1, "wte(ids) + wpe(positions)", f"(B, T, {C})", "#e8f1fa"),
             (2.3, "ln_1: LayerNorm", f"(B, T, {C})", "#fff6d5"),
             (3.3, f"attn: causal self-attention\n{config.n_head} heads x {C // config.n_head} dims",
              f"(B, T, {C})", "#f7d9b5"), (4.1, "+", "", None),
             (4.9, "ln_2: LayerNorm", f"(B, T, {C})", "#fff6d5"),
             (5.9, f"mlp: {C} -> {4 * C} -> GELU -> {C}", f"(B, T, {C})", "#d6ecd2"), (6.7, "+", "", None),
             (7.9, "ln_f: LayerNorm", f"(B, T, {C})", "#fff6d5"),
             (8.9, "lm_head (tied to wte)", f"(B, T, {V})", "#e8f1fa"),
             (9.9, "softmax -> next-token probabilities", f"(B, T, {V})", "#eeeeee")]
    for (y, text, shape, color), nxt in zip(steps, steps[1:] + [None]):
        if color is None:  # the residual addition
            ax.add_patch(plt.Circle((0, -y), 0.22, fc="white", ec="tab:red", lw=1.5))
            ax.text(0, -y, "+", ha="center", va="center", color="tab:red", fontsize=14)
        else:
            _box(ax, 0, -y, text, color, width=3.6, height=0.6)
            ax.text(2.1, -y, shape, va="center", fontsize=9, family="monospace")
        if nxt:
            _arrow(ax, (0, -y), (0, -nxt[0]))
    for branch, add in ((1.65, 4.1), (4.5, 6.7)):  # residual connections around attention and MLP
        ax.plot([0, -2.3, -2.3], [-branch, -branch, -add], color="tab:red", lw=1.5)
        ax.add_patch(FancyArrowPatch((-2.3, -add), (-0.22, -add), arrowstyle="-|>", mutation_scale=10,
                                     color="tab:red", lw=1.5))
        ax.text(-2.4, -(branch + add) / 2, "residual", rotation=90, va="center", ha="right",
                color="tab:red", fontsize=9)
    ax.add_patch(FancyBboxPatch((-2.9, -7.1), 5.9, 5.2, boxstyle="round,pad=0.05", fc="none",
                                ec="grey", ls="--"))
    ax.text(3.0, -2.0, f"Block x {L}", ha="right", color="grey")
    ax.set_xlim(-3.5, 4)
    ax.set_ylim(-10.5, 0.6)
    ax.axis("off")
    ax.set_title(f"GPT: {L} blocks, d_model {C}, vocab {V}, context {config.block_size}")
    fig.tight_layout()
    return fig


# --- 12/13 ---
from matplotlib.colors import ListedColormap

from .arc import PALETTE

ARC_COLORMAP = ListedColormap(PALETTE)


def plot_alpaca_leaderboard(rows: list[dict]) -> plt.Figure:
    """Raw vs length-controlled win rate per model (AlpacaEval 2.0): the gap is the length bias."""
    rows = sorted(rows, key=lambda r: r["lc_win_rate"])
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    for y, row in enumerate(rows):
        ax.plot([row["win_rate"], row["lc_win_rate"]], [y, y], color="0.7", zorder=1)
    ax.scatter([r["win_rate"] for r in rows], range(len(rows)), color="tab:orange", label="raw win rate", zorder=2)
    ax.scatter([r["lc_win_rate"] for r in rows], range(len(rows)), color="tab:blue", label="length-controlled", zorder=2)
    ax.axvline(50, color="k", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [r["model"] for r in rows])
    ax.set_xlabel("win rate against GPT-4 Preview (11/06), %")
    ax.set_title("AlpacaEval 2.0: length control reorders the table")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_arc_leaderboard(rows: list[dict], label: tuple[str, ...] = ("Human Panel", "o3-preview (Low)*",
                                                                     "o3 (High)", "ARChitects",
                                                                     "Claude Opus 4 (Thinking 16K)")) -> plt.Figure:
    """ARC-AGI-1 and ARC-AGI-2 scores against cost per task (log axis), one line per system."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for row in rows:
        ax.plot([row["cost_per_task_usd"]] * 2, [row["arc_agi_1"], row["arc_agi_2"]], color="0.8", zorder=1)
        if row["system"] in label:
            ax.annotate(row["system"], (row["cost_per_task_usd"], row["arc_agi_1"]), fontsize=8,
                        xytext=(4, 4), textcoords="offset points")
    costs = [r["cost_per_task_usd"] for r in rows]
    ax.scatter(costs, [r["arc_agi_1"] for r in rows], marker="o", label="ARC-AGI-1", zorder=2)
    ax.scatter(costs, [r["arc_agi_2"] for r in rows], marker="^", label="ARC-AGI-2", zorder=2)
    ax.set_xscale("log")
    ax.set_xlabel("cost per task, US$ (log scale)")
    ax.set_ylabel("score, %")
    ax.set_title("ARC-AGI: the second version is far harder for machines, not for people")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_lmarena_ranks(rows: list[dict], categories: tuple[str, ...] = (
        "overall", "hard_prompts", "coding", "math", "creative_writing", "instruction_following",
        "longer_query", "multi_turn")) -> plt.Figure:
    """Rank of each model in each LMArena category (1 = best): rankings depend on the question mix."""
    ranks = torch.tensor([[float(r[c]) for c in categories] for r in rows])
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(rows) + 1.5))
    image = ax.imshow(ranks, cmap="viridis_r", aspect="auto")
    for (i, j), value in zip(((i, j) for i in range(len(rows)) for j in range(len(categories))), ranks.flatten()):
        ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=8,
                color="white" if value > ranks.max() / 2 else "black")
    ax.set_xticks(range(len(categories)), [c.replace("_", "\n") for c in categories], fontsize=8)
    ax.set_yticks(range(len(rows)), [f"{r['model']} ({int(r['slide_row'])})" for r in rows], fontsize=8)
    fig.colorbar(image, ax=ax, label="rank (1 = best)")
    ax.set_title("LMArena ranks by category")
    fig.tight_layout()
    return fig


def plot_mmlu_pro(rows: list[dict]) -> plt.Figure:
    """Overall MMLU-Pro accuracy, coloured by who measured it."""
    colors = {"Self-Reported": "tab:gray", "TIGER-Lab": "tab:green"}
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rows) + 1.2))
    labels = [f"{r['model']} [{r['data_source']}]" for r in rows]
    ax.barh(labels, [r["overall"] for r in rows], color=[colors.get(r["data_source"], "tab:blue") for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0.7, 0.92)
    ax.set_xlabel("MMLU-Pro overall accuracy (10 options, chance 0.10)")
    ax.set_title("MMLU-Pro: grey = self-reported, green = run by TIGER-Lab")
    fig.tight_layout()
    return fig


def draw_grid(ax, grid: list[list[int]], title: str = "") -> None:
    """One ARC grid in the official palette, with thin cell borders."""
    ax.imshow(grid, cmap=ARC_COLORMAP, vmin=0, vmax=9)
    rows, cols = len(grid), len(grid[0])
    ax.set_xticks([x - 0.5 for x in range(cols + 1)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(rows + 1)], minor=True)
    ax.grid(which="minor", color="#555555", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=9)


def plot_arc_task(task: dict, prediction: list[list[int]] | None = None, name: str = "") -> plt.Figure:
    """Training pairs (input above output), then the test input, its answer and a prediction."""
    pairs = task["train"] + task["test"][:1]
    columns = len(pairs) + (prediction is not None)
    fig, axes = plt.subplots(2, columns, figsize=(2.2 * columns, 4.4), squeeze=False)
    for i, pair in enumerate(pairs):
        kind = "test" if i == len(task["train"]) else f"train {i + 1}"
        draw_grid(axes[0, i], pair["input"], f"{kind} input")
        draw_grid(axes[1, i], pair["output"], f"{kind} output")
    if prediction is not None:
        right = prediction == task["test"][0]["output"]
        draw_grid(axes[1, -1], prediction, "prediction " + ("(right)" if right else "(wrong)"))
        axes[0, -1].axis("off")
    fig.suptitle(name)
    fig.tight_layout()
    return fig


def plot_accuracy_by_subject(accuracy: dict[str, dict[str, float]], chance: float = 0.25,
                             title: str = "Multiple-choice accuracy by subject") -> plt.Figure:
    """Grouped bars: one group per subject (and 'micro'), one bar per model; chance as a line."""
    models = list(accuracy)
    subjects = list(next(iter(accuracy.values())))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for m, model in enumerate(models):
        ax.bar([s + m * width for s in range(len(subjects))], [accuracy[model][s] for s in subjects],
               width, label=model)
    ax.axhline(chance, color="k", ls="--", lw=0.8, label=f"chance ({chance:.2f})")
    ax.set_xticks([s + 0.4 - width / 2 for s in range(len(subjects))], subjects)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_padding_effect(extra_words: list[int], raw: list[float], lc: list[float]) -> plt.Figure:
    """Raw and length-controlled win rate as answers are padded with filler words."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(extra_words, raw, "o-", color="tab:orange", label="raw win rate")
    ax.plot(extra_words, lc, "s-", color="tab:blue", label="length-controlled win rate")
    ax.axhline(50, color="k", ls="--", lw=0.8)
    ax.set_xlabel("filler words added to every answer of the model")
    ax.set_ylabel("win rate, %")
    ax.set_title("Padding fools the judge, not the length control")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_ratings(ratings: dict[str, float], intervals: dict[str, tuple[float, float]],
                 elo_runs: list[dict[str, float]] | None = None) -> plt.Figure:
    """Bradley-Terry ratings with bootstrap intervals; online Elo from shuffled orders as dots."""
    models = sorted(ratings, key=ratings.get)
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(models) + 1.5))
    for y, model in enumerate(models):
        low, high = intervals[model]
        ax.plot([low, high], [y, y], color="tab:blue", lw=3, alpha=0.5)
        if elo_runs:
            ax.scatter([run[model] for run in elo_runs], [y + 0.2] * len(elo_runs), s=8,
                       color="tab:orange", alpha=0.5, label="online Elo, shuffled orders" if y == 0 else None)
    ax.scatter([ratings[m] for m in models], range(len(models)), color="tab:blue", zorder=3,
               label="Bradley-Terry (95% bootstrap interval)")
    ax.set_yticks(range(len(models)), models)
    ax.set_xlabel("rating")
    ax.set_title("Arena-style ranking of our model variants")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_generation_speed(speed: dict[str, dict[str, list[float]]]) -> plt.Figure:
    """Tokens per second without and with the key/value cache, by tokens generated; one panel
    per model: speed[name] = {"lengths": [...], "plain": [...], "cached": [...]}."""
    fig, axes = plt.subplots(1, len(speed), figsize=(5.5 * len(speed), 3.5), squeeze=False)
    for ax, (name, runs) in zip(axes[0], speed.items()):
        ax.plot(runs["lengths"], runs["plain"], "o-", label="no cache (recompute the prefix)")
        ax.plot(runs["lengths"], runs["cached"], "s-", label="key/value cache")
        ax.set(xlabel="tokens generated", ylabel="tokens per second", title=f"{name} model")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- 02-05 ---
def plot_next_word_probabilities(pairs: list[tuple[str, float]], prompt: str = "",
                                 ax: plt.Axes | None = None) -> plt.Figure:
    """Horizontal bars: the most likely next words after `prompt`, most likely on top."""
    fig = ax.figure if ax is not None else plt.subplots(figsize=(6, 0.32 * len(pairs) + 1.2))[0]
    ax = ax if ax is not None else fig.axes[0]
    words, probabilities = [w for w, _ in pairs], [p for _, p in pairs]
    bars = ax.barh(words, probabilities, color="tab:blue")
    ax.bar_label(bars, fmt="{:.3f}", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(probabilities + [1e-9]) * 1.25)
    ax.set_xlabel("P(next word | prompt)")
    ax.set_title(f"After {prompt!r}" if prompt else "Next-word probabilities")
    fig.tight_layout()
    return fig


def plot_tokenizer_tradeoff(rows: list[dict]) -> plt.Figure:
    """Vocabulary size against tokens per word (left) and sequence length (right).

    Each row: {"name", "vocab_size", "tokens_per_word", "tokens"} for one tokenizer.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    sizes = [r["vocab_size"] for r in rows]
    for ax, key, label in ((left, "tokens_per_word", "tokens per word"),
                           (right, "tokens", "sequence length (tokens for the text)")):
        values = [r[key] for r in rows]
        ax.plot(sizes, values, "o-")
        for row, x, y in zip(rows, sizes, values):
            ax.annotate(row["name"], (x, y), textcoords="offset points", xytext=(4, 6), fontsize=8)
        ax.set(xscale="log", xlabel="vocabulary size (log scale)", ylabel=label)
        ax.grid(alpha=0.3)
    left.set_title("Bigger vocabulary: fewer tokens per word")
    right.set_title("...so the same text is a shorter sequence")
    fig.tight_layout()
    return fig


def plot_word_map(points: torch.Tensor, words: list[str], groups: list[str] | None = None,
                  title: str = "Word vectors, projected to 2-D (PCA)") -> plt.Figure:
    """Scatter of 2-D word positions with labels, coloured by group."""
    fig, ax = plt.subplots(figsize=(7, 5.5))
    groups = groups or [""] * len(words)
    colors = {g: plt.cm.tab10(i % 10) for i, g in enumerate(dict.fromkeys(groups))}
    for (x, y), word, group in zip(points.tolist(), words, groups):
        ax.scatter(x, y, color=colors[group], s=25)
        ax.annotate(word, (x, y), textcoords="offset points", xytext=(3, 3), fontsize=9,
                    color=colors[group])
    for group, color in colors.items():
        if group:
            ax.scatter([], [], color=color, label=group)
    if any(groups):
        ax.legend(fontsize=8, loc="best")
    ax.set(xlabel="first principal direction", ylabel="second principal direction", title=title)
    fig.tight_layout()
    return fig


def plot_similarity_heatmap(matrix: torch.Tensor, words: list[str],
                            title: str = "Cosine similarity") -> plt.Figure:
    """Word-by-word similarity matrix with the values written in the cells."""
    fig, ax = plt.subplots(figsize=(0.5 * len(words) + 2.5, 0.45 * len(words) + 1.5))
    image = ax.imshow(matrix.numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(words)), words, rotation=90, fontsize=8)
    ax.set_yticks(range(len(words)), words, fontsize=8)
    for i in range(len(words)):
        for j in range(len(words)):
            ax.text(j, i, f"{float(matrix[i, j]):.1f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, fraction=0.046)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_positional_encoding(encoding: torch.Tensor, ax: plt.Axes | None = None) -> plt.Figure:
    """Heatmap of a (positions, d_model) positional encoding."""
    fig = ax.figure if ax is not None else plt.subplots(figsize=(8, 4))[0]
    ax = ax if ax is not None else fig.axes[0]
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


def plot_losses(losses: list[float], title: str = "Training loss", window: int = 20) -> plt.Figure:
    """Loss of every step (light) and its moving average over `window` steps."""
    fig, ax = plt.subplots(figsize=(7, 3))
    values = torch.tensor(losses, dtype=torch.float64)
    ax.plot(values.numpy(), alpha=0.3, label="each step")
    if len(values) >= window:
        smooth = values.unfold(0, window, 1).mean(1)
        ax.plot(range(window - 1, len(values)), smooth.numpy(), label=f"mean of {window} steps")
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


# --- 09-11 ---
def plot_confusion_matrix(counts: torch.Tensor, labels: list[str] | tuple[str, ...],
                          title: str = "Confusion matrix") -> plt.Figure:
    """Rows: the true class; columns: what the model answered; each cell its count."""
    counts = torch.as_tensor(counts)
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    ax.imshow(counts.numpy(), cmap="Blues")
    for (row, col), value in zip([(r, c) for r in range(len(labels)) for c in range(len(labels))],
                                 counts.flatten().tolist()):
        ax.text(col, row, str(value), ha="center", va="center",
                color="white" if value > counts.max().item() / 2 else "black")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    return fig


def plot_accuracies(results: dict[str, float], chance: float | None = None,
                    title: str = "Accuracy on held-out scenes") -> plt.Figure:
    """One horizontal bar per method, with its accuracy written on it."""
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(results) + 1.2))
    names, values = list(results), [100 * v for v in results.values()]
    ax.barh(names, values, color="tab:blue")
    for y, value in enumerate(values):
        ax.text(value + 1, y, f"{value:.1f}%", va="center", fontsize=9)
    if chance is not None:
        ax.axvline(100 * chance, color="gray", linestyle="--", label="chance")
        ax.legend(loc="lower right")
    ax.invert_yaxis()
    ax.set(xlim=(0, 105), xlabel="accuracy (%)", title=title)
    fig.tight_layout()
    return fig


def plot_label_budget(summary: dict, chance: float | None = None,
                      title: str = "How many labels does pretraining save?") -> plt.Figure:
    """Accuracy vs labelled examples per class (log scale): mean over seeds, band = lowest..highest."""
    names = {"bag_of_words": "bag of words", "gpt_last": "GPT, full fine-tuning (last token)",
             "gpt_mean": "GPT, full fine-tuning (mean pooling)"}
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for method, points in summary.items():
        budgets = sorted(points)
        mean, low, high = ([100 * points[b][i] for b in budgets] for i in range(3))
        line, = ax.plot(budgets, mean, marker="o", label=names.get(method, method))
        ax.fill_between(budgets, low, high, color=line.get_color(), alpha=0.15)
    if chance is not None:
        ax.axhline(100 * chance, color="gray", linestyle="--", label="chance")
    ax.set_xscale("log")
    ax.set(xlabel="labelled passages per class (log scale)", ylabel="test accuracy (%)", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_masked_targets(tokens: list[str], targets: list[int], title: str = "") -> plt.Figure:
    """Each input token as a box: grey where the target is -100 (no loss), orange where trained."""
    per_row = 16
    rows = (len(tokens) + per_row - 1) // per_row
    fig, ax = plt.subplots(figsize=(12, 0.42 * rows + 0.6))
    for i, (token, target) in enumerate(zip(tokens, targets)):
        row, col = divmod(i, per_row)
        color = "#dddddd" if target == -100 else "#ffb347"
        ax.add_patch(plt.Rectangle((col, -row - 1), 0.95, 0.85, color=color))
        label = token.replace("Ġ", "·").replace("Ċ", "\\n")[:7]
        ax.text(col + 0.47, -row - 0.57, label, ha="center", va="center", fontsize=7)
    ax.set(xlim=(0, per_row), ylim=(-rows - 0.1, 0), title=title or
           "input tokens: grey = target -100 (prompt, padding), orange = trained (response + <EOS>)")
    ax.axis("off")
    fig.tight_layout()
    return fig


def plot_instruction_report(before: dict, after: dict) -> plt.Figure:
    """Format adherence and accuracy per task, before and after instruction tuning."""
    tasks = list(after["tasks"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
    for ax, key in zip(axes, ("format", "accuracy")):
        x = torch.arange(len(tasks), dtype=torch.float32)
        ax.bar(x - 0.2, [100 * before["tasks"][t][key] for t in tasks], 0.4, label="base model")
        ax.bar(x + 0.2, [100 * after["tasks"][t][key] for t in tasks], 0.4, label="instruction-tuned")
        ax.set_xticks(x.tolist(), tasks, rotation=20)
        ax.set(title="format adherence" if key == "format" else "accuracy", ylim=(0, 105), ylabel="%")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_lora_ranks(rows: list[dict], marked_rank: int | None = None) -> plt.Figure:
    """Trainable fraction (log scale) against rank, one line per model; rows from the rank explorer."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for model in dict.fromkeys(row["model"] for row in rows):
        mine = [row for row in rows if row["model"] == model]
        ax.plot([r["r"] for r in mine], [100 * r["fraction"] for r in mine], marker="o", label=model)
    if marked_rank is not None:
        ax.axvline(marked_rank, color="gray", linestyle="--")
    ax.set(xscale="log", yscale="log", xlabel="rank r", ylabel="trainable share of the model (%)",
           title="LoRA: trainable parameters grow linearly with r")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- 08 ---
from IPython.display import display  # noqa: E402

# The slide's Table 1.1 (Brown et al. 2020, Table 2.2): tokens, and the share of training
# batches drawn from each set (a sampling weight, not its share of the tokens).
GPT3_CORPUS: list[dict] = [
    {"name": "CommonCrawl (filtered)", "description": "Web crawl data", "tokens": 410e9, "proportion": 0.60},
    {"name": "WebText2", "description": "Web crawl data", "tokens": 19e9, "proportion": 0.22},
    {"name": "Books1", "description": "Internet-based book corpus", "tokens": 12e9, "proportion": 0.08},
    {"name": "Books2", "description": "Internet-based book corpus", "tokens": 55e9, "proportion": 0.08},
    {"name": "Wikipedia", "description": "High-quality text", "tokens": 3e9, "proportion": 0.03},
]


def plot_pretraining_corpus(our_tokens: float, our_name: str = "Shakespeare (ours)") -> plt.Figure:
    """GPT-3's corpus (tokens on a log scale; sampling proportions) with ours beside it."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    names = [row["name"] for row in GPT3_CORPUS] + [our_name]
    tokens = [row["tokens"] for row in GPT3_CORPUS] + [our_tokens]
    _log_bars(left, names, tokens, ["tab:blue"] * len(GPT3_CORPUS) + ["tab:green"], human_count,
              "Tokens (log scale)")
    shares = [row["proportion"] for row in GPT3_CORPUS]
    right.barh(names[:-1], shares, color="tab:blue")
    right.barh(names[:-1], [t / sum(tokens[:-1]) for t in tokens[:-1]], color="none",
               edgecolor="black", hatch="//", label="share of the tokens")
    right.invert_yaxis()
    right.set_xlabel("proportion of GPT-3's training mix")
    right.legend(loc="lower right", fontsize=8)
    right.set_title("Sampling weight (bars) vs token share (hatched)")
    fig.tight_layout()
    return fig


def plot_training_history(history: list[dict], title: str = "Pretraining") -> plt.Figure:
    """Train loss per logged step and validation loss where measured (nats per token)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot([r["step"] for r in history], [r["train_loss"] for r in history], label="train")
    val = [r for r in history if "val_loss" in r]
    ax.plot([r["step"] for r in val], [r["val_loss"] for r in val], "o-", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


class LiveLossPlot:
    """A Trainer callback that redraws the loss curves in place while training runs.

    Pass it as `trainer.fit(callback=live)`; the figure updates every `every` records and
    not left open afterwards, so draw the final static one with plot_training_history.
    """

    def __init__(self, every: int = 5, title: str = "Pretraining (live)"):
        self.every, self.title, self.history, self.handle = every, title, [], None

    def __call__(self, record: dict) -> None:
        self.history.append(record)
        if len(self.history) % self.every and "val_loss" not in record:
            return
        fig = plot_training_history(self.history, self.title)
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)  # shown through the display handle only

    def restart_display(self) -> None:
        """Show the next updates in the current cell (when training continues in a new cell)."""
        self.handle = None


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
