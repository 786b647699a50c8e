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


def plot_neural_bigram_training(history: dict, counted_train: float,
                                smoothed_val: float | None = None) -> plt.Figure:
    """Perplexity per training step of the neural bigram (as ngram.train_neural_bigram returns),
    with the counted bigram's perplexity on the training pairs (and, if given, the add-k smoothed
    counted bigram's on validation text) as dashed lines."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(history["train_perplexity"], label="neural bigram, training text")
    if history.get("val_perplexity"):
        ax.plot(history["val_perplexity"], label="neural bigram, validation text")
    ax.axhline(counted_train, color="tab:blue", ls="--", lw=1,
               label=f"counted bigram, training text ({counted_train:.1f})")
    if smoothed_val is not None:
        ax.axhline(smoothed_val, color="tab:orange", ls="--", lw=1,
                   label=f"counted + add-k, validation text ({smoothed_val:.1f})")
    ax.set(yscale="log", xlabel="training step", ylabel="perplexity",
           title="Learning the bigram table by gradient descent")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
