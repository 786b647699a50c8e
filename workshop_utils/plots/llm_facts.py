"""Notebook 00: the slide's numbers from llm_facts as figures.

Data sizes (tokens, bytes on disk), model sizes (parameters, bytes) and the brief history of
language models as a timeline.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt

from ..llm_facts import (DATASETS, GPT3_TRAINING_MIX, HISTORY, MODELS, TRAINING_TOKENS, human_bytes,
                         human_count, mix_tokens, tokens_seen)
from ._common import log_bars, paired_log_bars


def plot_data_sizes(our_corpus: dict[str, float] | None = None) -> plt.Figure:
    """The slide's data sizes on log scales: tokens (left) and disk size (right), with the
    tokens each model was trained on (GPT-3: 300B, corrected from the slide's 499B).

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
    log_bars(right, disk_names, disk, disk_colors, human_bytes, "Disk size (the slide gives no source for its two)")
    fig.tight_layout()
    return fig


def plot_gpt3_training_mix() -> plt.Figure:
    """GPT-3's data mix per source: tokens in the source vs tokens read in training (x epochs)."""
    fig, ax = plt.subplots(figsize=(10, 3.4))
    names = [source["name"] for source in GPT3_TRAINING_MIX]
    in_mix = [float(source["tokens"]) for source in GPT3_TRAINING_MIX]
    seen = [float(source["tokens"]) * float(source["epochs"]) for source in GPT3_TRAINING_MIX]
    paired_log_bars(ax, names, in_mix, seen,
                    (f"in the mix (total {human_count(mix_tokens())})",
                     f"read in training, tokens x epochs (total {human_count(tokens_seen())})"),
                    ([human_count(a) for a in in_mix],
                     [f"{human_count(b)} ({source['epochs']:g} epochs)" for b, source in zip(seen, GPT3_TRAINING_MIX)]),
                    margin=30)
    ax.set_title("GPT-3's data mix (Brown et al. 2020, Table 2.2): tokens per source (log scale)")
    fig.tight_layout()
    return fig


def plot_model_sizes(bits: int = 16) -> plt.Figure:
    """Parameters (left) and bytes on disk (right): params x bits/8 beside the slide's figure."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3))
    names = list(MODELS)
    log_bars(left, names, [m["parameters"] for m in MODELS.values()], ["tab:purple"] * len(names),
              human_count, "Parameters (log scale)")
    computed = [m["parameters"] * bits / 8 for m in MODELS.values()]
    quoted = [m["slide_bytes"] for m in MODELS.values()]
    paired_log_bars(right, names, computed, quoted,
                    (f"parameters x {bits // 8} bytes ({bits}-bit)", "the slide's disk size"),
                    ([human_bytes(a) for a in computed], [human_bytes(b) for b in quoted]))
    right.set_title("Bytes (log scale)")
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
