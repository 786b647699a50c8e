"""The GPT of model.py: layer norm's effect, the block diagram, the ablation ladder (ablation.py), the
heads sweep and knock-outs (knockout.py) (notebooks 06 and 07)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ._common import draw_arrow, draw_box


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
            draw_box(ax, 0, -y, text, color, width=3.6, height=0.6)
            ax.text(2.1, -y, shape, va="center", fontsize=9, family="monospace")
        if nxt:
            draw_arrow(ax, (0, -y), (0, -nxt[0]))
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


def plot_ablation(summary: list[dict], live: dict | None = None) -> plt.Figure:
    """Validation bits/char per rung of the ablation ladder (mean over seeds, 95% interval)."""
    names = [row["variant"] for row in summary][::-1]
    means = [row["mean_bits_per_char"] for row in summary][::-1]
    errors = [[m - row["ci95"][0] for m, row in zip(means, summary[::-1])],
              [row["ci95"][1] - m for m, row in zip(means, summary[::-1])]]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(names) + 1.2))
    ax.barh(names, means, xerr=errors, color="#8fb3d9", capsize=3)
    for y, (value, above) in enumerate(zip(means, errors[1])):
        ax.text(value + above + 0.015, y, f"{value:.3f}", va="center", fontsize=8)  # right of the whisker
    if live is not None:
        ax.plot([live["bits_per_char"]], [names.index(live["variant"])], "k*", markersize=12,
                label="rerun live in this notebook")
        ax.legend(loc="lower right")
    ax.set(xlabel="validation bits/char (lower is better)", xlim=(min(means) - 0.3, max(m + e for m, e in zip(means, errors[1])) + 0.12),
           title="the same steps and batches for every variant")
    fig.tight_layout()
    return fig


def plot_heads_sweep(summary: list[dict], runs: list[dict] | None = None) -> plt.Figure:
    """bits/char against the number of heads at a fixed width (mean over seeds, 95% interval);
    given the runs, each seed's curve as a thin line (a seed sees the same batches at every point)."""
    heads = [row["n_head"] for row in summary]
    means = [row["mean_bits_per_char"] for row in summary]
    low = [m - row["ci95"][0] for m, row in zip(means, summary)]
    high = [row["ci95"][1] - m for m, row in zip(means, summary)]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for seed in sorted({r["seed"] for r in runs or []}):
        curve = [next(r["bits_per_char"] for r in runs if r["seed"] == seed and r["n_head"] == h) for h in heads]
        ax.plot(heads, curve, color="0.7", linewidth=1, label="one seed" if seed == min(r["seed"] for r in runs) else None)
    ax.errorbar(heads, means, yerr=[low, high], marker="o", capsize=3, label="mean, 95% interval")
    if runs:
        ax.legend()
    ax.set_xscale("log", base=2)
    ax.set_xticks(heads, [str(h) for h in heads])
    ax.set(xlabel="heads (same width, same parameters)", ylabel="validation bits/char",
           title="more heads, same budget")
    fig.tight_layout()
    return fig


def plot_knockout(effect: dict) -> plt.Figure:
    """The next-token distribution after the prompt, intact and with one component knocked out."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharex=True)
    for ax, key, title in ((axes[0], "intact_next", f"intact: {effect['intact_bits_per_char']:.3f} bits/char"),
                           (axes[1], "next", f"without {effect['component']}: {effect['bits_per_char']:.3f} bits/char")):
        tokens, probabilities = zip(*effect[key])
        ax.barh([repr(t) for t in tokens][::-1], list(probabilities)[::-1], color="#f4a261" if key == "next" else "#8fb3d9")
        ax.set(title=title, xlabel="probability of the next token")
    fig.tight_layout()
    return fig


def plot_knockout_table(table: dict[str, float]) -> plt.Figure:
    """How much bits/char rises when each component is knocked out on its own."""
    intact = table["nothing"]
    names = [name for name in table if name != "nothing"]
    rises = [table[name] - intact for name in names]
    colours = ["#8fb3d9" if n.startswith("head") else "#2a9d8f" if n.startswith("mlp") else "#e76f51" for n in names]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.bar(range(len(names)), rises, color=colours)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=8)
    ax.set_yscale("symlog", linthresh=0.01)  # linear below 0.01, logarithmic above
    ax.set(ylabel="bits/char added",
           title=f"one component off at a time (intact model: {intact:.3f} bits/char)")
    fig.tight_layout()
    return fig
