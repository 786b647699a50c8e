"""Notebook 01: decision boundaries of the small networks that nn_basics trains."""
from __future__ import annotations

import matplotlib.pyplot as plt


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
