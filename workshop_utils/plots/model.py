"""The GPT of model.py: layer norm's effect and the block diagram (notebook 07)."""
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
