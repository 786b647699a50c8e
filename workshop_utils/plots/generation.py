"""Generation (generation.py): speed with and without the key/value cache (notebook 13)."""
from __future__ import annotations

import matplotlib.pyplot as plt


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
