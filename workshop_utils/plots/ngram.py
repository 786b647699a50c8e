"""Notebook 02: the n-gram model's next-word probabilities (ngram.py)."""
from __future__ import annotations

import matplotlib.pyplot as plt

from ._common import figure_and_axes


def plot_next_word_probabilities(pairs: list[tuple[str, float]], prompt: str = "",
                                 ax: plt.Axes | None = None) -> plt.Figure:
    """Horizontal bars: the most likely next words after `prompt`, most likely on top."""
    fig, ax = figure_and_axes(ax, (6, 0.32 * len(pairs) + 1.2))
    words, probabilities = [w for w, _ in pairs], [p for _, p in pairs]
    bars = ax.barh(words, probabilities, color="tab:blue")
    ax.bar_label(bars, fmt="{:.3f}", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(probabilities + [1e-9]) * 1.25)
    ax.set_xlabel("P(next word | prompt)")
    ax.set_title(f"After {prompt!r}" if prompt else "Next-word probabilities")
    fig.tight_layout()
    return fig
