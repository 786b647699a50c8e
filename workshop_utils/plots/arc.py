"""Notebook 12: ARC tasks (arc.py) drawn as grids in the official palette."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap

from ..arc import PALETTE


ARC_COLORMAP = ListedColormap(PALETTE)


def draw_grid(ax, grid: list[list[int]], title: str = "") -> None:
    """One ARC grid in the official palette, with thin cell borders."""
    ax.imshow(grid, cmap=ARC_COLORMAP, vmin=0, vmax=9)
    rows, cols = len(grid), len(grid[0])
    ax.set_xticks([x - 0.5 for x in range(cols + 1)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(rows + 1)], minor=True)
    ax.grid(which="minor", color="#555555", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=9)


def plot_arc_task(task: dict, prediction: list[list[int]] | None = None, name: str = "") -> plt.Figure:
    """Training pairs (input above output), then the test input, its answer and a prediction."""
    pairs = task["train"] + task["test"][:1]
    columns = len(pairs) + (prediction is not None)
    fig, axes = plt.subplots(2, columns, figsize=(2.2 * columns, 4.4), squeeze=False)
    for i, pair in enumerate(pairs):
        kind = "test" if i == len(task["train"]) else f"train {i + 1}"
        draw_grid(axes[0, i], pair["input"], f"{kind} input")
        draw_grid(axes[1, i], pair["output"], f"{kind} output")
    if prediction is not None:
        right = prediction == task["test"][0]["output"]
        draw_grid(axes[1, -1], prediction, "prediction " + ("(right)" if right else "(wrong)"))
        axes[0, -1].axis("off")
    fig.suptitle(name)
    fig.tight_layout()
    return fig
