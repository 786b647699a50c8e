"""Notebook 01: gradient descent and the networks that nn_basics trains."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import MaxNLocator


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


def plot_descent_steps(path: list[dict[str, float]], x: float, y: float) -> plt.Figure:
    """The loss L(w) = (w·x - y)^2 as a curve and the weights gradient descent visits on it
    (`path` as nn_basics.one_weight_descent returns), each step an arrow."""
    weights = [point["weight"] for point in path]
    best = y / x
    reach = max(abs(w - best) for w in weights) * 1.3
    grid = torch.linspace(best - reach, best + reach, 200)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(grid, (grid * x - y) ** 2, color="grey", label=f"loss L(w) = (w·{x:g} - {y:g})²")
    ax.plot(weights, [point["loss"] for point in path], "o", color="tab:red", label="visited weights")
    for start, end in zip(path, path[1:]):
        ax.annotate("", xy=(end["weight"], end["loss"]), xytext=(start["weight"], start["loss"]),
                    arrowprops={"arrowstyle": "->", "color": "tab:red"})
    ax.axvline(best, color="grey", ls=":", lw=1, label=f"best w = {best:g}")
    ax.set(xlabel="weight w", ylabel="loss", title=f"{len(path) - 1} steps of gradient descent")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_fit_losses(curves: dict[str, list[float]], floor: float | None = None) -> plt.Figure:
    """Loss per step of one or more fits on a log scale; `floor` marks the lowest reachable loss."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for (name, losses), style in zip(curves.items(), ["-", "--", ":", "-."] * len(curves)):
        ax.plot(losses, style, label=name)
    if floor is not None:
        ax.axhline(floor, color="grey", lw=1, ls=":", label=f"noise floor {floor:g}")
    ax.set(yscale="log", xlabel="step", ylabel="mean squared error", title="Fitting W·x + b")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_gradient_by_depth(curves: dict[str, dict[int, float]], factor: float = 0.25) -> plt.Figure:
    """Measured gradient at the input against depth (as nn_basics.input_gradient_by_depth returns),
    with factor^depth: what the activations' derivative alone would allow."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, by_depth in curves.items():
        ax.plot(list(by_depth), list(by_depth.values()), "o-", ms=3, label=name)
    depths = sorted({depth for by_depth in curves.values() for depth in by_depth})
    ax.plot(depths, [factor ** depth for depth in depths], "k--", label=f"{factor:g}^layers")
    ax.set(yscale="log", xlabel="layers", ylabel="gradient length at the input",
           title="How much gradient reaches the input")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
