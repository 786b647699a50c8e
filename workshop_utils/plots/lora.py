"""Notebook 11: LoRA's trainable parameters against its rank (lora.py)."""
from __future__ import annotations

import matplotlib.pyplot as plt


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
