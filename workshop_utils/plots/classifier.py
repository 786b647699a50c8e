"""Notebook 09: the genre classifier (classifier.py): confusion matrix, accuracies, label budget."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


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
