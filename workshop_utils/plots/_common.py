"""Helpers shared by the figure modules: a figure (or the axes given), log-scale bars with their
values written beside them, and the boxes and arrows of the diagrams (notebooks 00, 06, 07, 08)."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def figure_and_axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> tuple[plt.Figure, plt.Axes]:
    """Draw into `ax` when one is given (a panel of a bigger figure), else into a new figure."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def log_bars(ax, labels: list[str], values: list[float], colors: list[str], fmt, title: str):
    """Horizontal bars on a log x-axis, each value written beside its bar."""
    bars = ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.set_title(title)
    ax.invert_yaxis()
    for bar, value in zip(bars, values):
        ax.text(value * 1.15, bar.get_y() + bar.get_height() / 2, fmt(value), va="center")
    ax.set_xlim(min(values) / 3, max(values) * 20)


def paired_log_bars(ax, names: list[str], first: list[float], second: list[float],
                    labels: tuple[str, str], texts: tuple[list[str], list[str]], margin: float = 20):
    """Two bars per name on a log x-axis (first above, second below), each with its text beside it."""
    positions = list(range(len(names)))
    for offset, values, label, words in ((-0.2, first, labels[0], texts[0]), (0.2, second, labels[1], texts[1])):
        ax.barh([p + offset for p in positions], values, height=0.4, label=label)
        for y, value, word in zip(positions, values, words):
            ax.text(value * 1.1, y + offset, word, va="center", fontsize=8)
    ax.set_yticks(positions, names)
    ax.set_xscale("log")
    ax.set_xlim(min(first + second) / 3, max(first + second) * margin)
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8)


def draw_box(ax, x, y, text, color="white", width=0.9, height=0.5, fontsize=9):
    """A rounded box centred on (x, y) with `text` in it."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.03", fc=color, ec="black", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def draw_arrow(ax, start, end, color="black", lw=1.2, alpha=1.0, bend=0.0):
    """An arrow from start to end, stopping short of the boxes it joins."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=color,
                                 lw=lw, alpha=alpha, shrinkA=12, shrinkB=12,
                                 connectionstyle=f"arc3,rad={bend}"))
