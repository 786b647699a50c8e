"""Notebook 04: word vectors (embeddings.py) as a 2-D map and a similarity heatmap."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


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
