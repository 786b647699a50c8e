"""Notebook 00: the slide's numbers from llm_facts as figures.

Data sizes (tokens, bytes on disk), model sizes (parameters, bytes) and the brief history of
language models as a timeline.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import torch

from ..llm_facts import DATASETS, HISTORY, MODELS, TRAINING_TOKENS, human_bytes, human_count
from ._common import log_bars


def plot_data_sizes(our_corpus: dict[str, float] | None = None) -> plt.Figure:
    """The slide's data sizes on log scales: tokens (left) and disk size (right).

    `our_corpus` ({"name", "tokens", "bytes"}) adds the workshop's corpus for comparison.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.8))
    names = [f"{n} (dataset)" for n in DATASETS] + [f"{n} (trained on)" for n in TRAINING_TOKENS]
    tokens = [d["tokens"] for d in DATASETS.values()] + list(TRAINING_TOKENS.values())
    colors = ["tab:blue"] * len(DATASETS) + ["tab:orange"] * len(TRAINING_TOKENS)
    disk_names, disk = list(DATASETS), [d["bytes"] for d in DATASETS.values()]
    disk_colors = ["tab:blue"] * len(DATASETS)
    if our_corpus:
        for items, value in ((names, our_corpus["name"]), (tokens, our_corpus["tokens"]),
                             (colors, "tab:green"), (disk_names, our_corpus["name"]),
                             (disk, our_corpus["bytes"]), (disk_colors, "tab:green")):
            items.append(value)
    log_bars(left, names, tokens, colors, human_count, "Tokens (log scale)")
    log_bars(right, disk_names, disk, disk_colors, human_bytes, "Disk size (log scale)")
    fig.tight_layout()
    return fig


def plot_model_sizes(bits: int = 16) -> plt.Figure:
    """Parameters (left) and bytes on disk (right): params x bits/8 beside the slide's figure."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3))
    names = list(MODELS)
    log_bars(left, names, [m["parameters"] for m in MODELS.values()], ["tab:purple"] * len(names),
              human_count, "Parameters (log scale)")
    positions = torch.arange(len(names)).float()
    computed = [m["parameters"] * bits / 8 for m in MODELS.values()]
    quoted = [m["slide_bytes"] for m in MODELS.values()]
    right.barh(positions - 0.2, computed, height=0.4, label=f"parameters x {bits // 8} bytes ({bits}-bit)")
    right.barh(positions + 0.2, quoted, height=0.4, label="the slide's disk size")
    for y, a, b in zip(positions.tolist(), computed, quoted):
        right.text(a * 1.1, y - 0.2, human_bytes(a), va="center")
        right.text(b * 1.1, y + 0.2, human_bytes(b), va="center")
    right.set_yticks(positions.tolist(), names)
    right.set_xscale("log")
    right.set_xlim(min(computed + quoted) / 3, max(computed + quoted) * 20)
    right.invert_yaxis()
    right.set_title("Bytes (log scale)")
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_history_timeline(today: int = 2025) -> plt.Figure:
    """The slide's "brief history" as a timeline: one stop per era, 1950s to today (not to scale)."""
    fig, ax = plt.subplots(figsize=(13, 4))
    ax.axhline(0, color="grey", lw=2, zorder=0)
    colors = plt.cm.viridis([i / len(HISTORY) for i in range(len(HISTORY))])
    for i, ((_, _, years, era, examples), color) in enumerate(zip(HISTORY, colors)):
        side = 1 if i % 2 == 0 else -1
        ax.scatter(i, 0, s=160, color=color, zorder=2)
        ax.plot([i, i], [0, 0.35 * side], color=color)
        label = f"{years}\n{textwrap.fill(era, 22)}\n{textwrap.fill(examples, 24)}"
        ax.text(i, 0.4 * side, label, ha="center", va="bottom" if side > 0 else "top", fontsize=9,
                fontweight="normal", bbox={"boxstyle": "round", "fc": "white", "ec": color})
    ax.set_xlim(-0.7, len(HISTORY) - 0.3)
    ax.set_ylim(-1.6, 1.6)
    ax.axis("off")
    ax.set_title(f"A brief history, 1950s to {today} (one stop per era, not to scale)")
    fig.tight_layout()
    return fig
