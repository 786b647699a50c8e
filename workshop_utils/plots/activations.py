"""Notebook 01: activation functions and their derivatives (activations.py)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from ..activations import get_activation
from ._common import figure_and_axes


def plot_activation(name: str, parameter: float | None = None, show_derivative: bool = True,
                    ax: plt.Axes | None = None, x_range: tuple[float, float] = (-4.0, 4.0)) -> plt.Figure:
    """One activation (solid) and, optionally, its derivative (dashed), with its formula."""
    activation = get_activation(name)
    fig, ax = figure_and_axes(ax, (5, 3.5))
    x = torch.linspace(*x_range, 401)
    ax.plot(x, activation(x, parameter), label=activation.name, lw=2)
    if show_derivative:
        ax.plot(x, activation.grad(x, parameter), "--", label="derivative")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    value = activation.default if parameter is None else parameter
    suffix = f"   ({activation.parameter} = {value:g})" if activation.parameter else ""
    ax.set_title(f"${activation.formula}${suffix}", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_all_activations(names: list[str], show_derivative: bool = True) -> plt.Figure:
    """A grid with every activation in `names` and its derivative."""
    columns = 3
    rows = (len(names) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(14, 3.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        plot_activation(name, show_derivative=show_derivative, ax=ax)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_activations_together(names: list[str], x_range: tuple[float, float] = (-4.0, 4.0)) -> plt.Figure:
    """Two panels: the activations in `names` on one axis (left), their derivatives (right)."""
    fig, (values, slopes) = plt.subplots(1, 2, figsize=(10, 3.5))
    x = torch.linspace(*x_range, 401)
    for name in names:
        activation = get_activation(name)
        values.plot(x, activation(x), lw=2, label=activation.name)
        slopes.plot(x, activation.grad(x), lw=2, label=activation.name)
    for ax, title in ((values, "function"), (slopes, "derivative")):
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set(title=title, xlabel="x")
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
