"""Corpora: passages per genre of the workshop's corpus (notebook 00) and GPT-3's pretraining
mix beside ours (notebook 08)."""
from __future__ import annotations

import matplotlib.pyplot as plt

from ..llm_facts import GPT3_TRAINING_MIX, human_count
from ._common import log_bars


def plot_genre_counts(counts: dict[str, int], title: str = "Passages per genre") -> plt.Figure:
    """Bar chart of a {genre: count} mapping, largest first."""
    fig, ax = plt.subplots(figsize=(7, 3))
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    bars = ax.bar([genre for genre, _ in ordered], [count for _, count in ordered], color="tab:green")
    ax.bar_label(bars, fmt="{:,.0f}", fontsize=8)
    ax.set_ylabel("passages")
    ax.set_title(title)
    fig.tight_layout()
    return fig


# The slide's Table 1.1 (Brown et al. 2020, Table 2.2): tokens, and the share of training
# batches drawn from each set (a sampling weight, not its share of the tokens).
_DESCRIPTIONS = {"CommonCrawl (filtered)": "Web crawl data", "WebText2": "Web crawl data",
                 "Books1": "Internet-based book corpus", "Books2": "Internet-based book corpus",
                 "Wikipedia": "High-quality text"}
# GPT-3's training mix (Brown et al. 2020, Table 2.2; llm_facts.GPT3_TRAINING_MIX) with the slide's words
GPT3_CORPUS: list[dict] = [{"name": row["name"], "description": _DESCRIPTIONS[row["name"]],
                            "tokens": row["tokens"], "proportion": row["weight"]} for row in GPT3_TRAINING_MIX]


def plot_pretraining_corpus(our_tokens: float, our_name: str = "Shakespeare (ours)") -> plt.Figure:
    """GPT-3's corpus (tokens on a log scale; sampling proportions) with ours beside it."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    names = [row["name"] for row in GPT3_CORPUS] + [our_name]
    tokens = [row["tokens"] for row in GPT3_CORPUS] + [our_tokens]
    log_bars(left, names, tokens, ["tab:blue"] * len(GPT3_CORPUS) + ["tab:green"], human_count,
              "Tokens (log scale)")
    shares = [row["proportion"] for row in GPT3_CORPUS]
    right.barh(names[:-1], shares, color="tab:blue")
    right.barh(names[:-1], [t / sum(tokens[:-1]) for t in tokens[:-1]], color="none",
               edgecolor="black", hatch="//", label="share of the tokens")
    right.invert_yaxis()
    right.set_xlabel("proportion of GPT-3's training mix")
    right.legend(loc="lower right", fontsize=8)
    right.set_title("Sampling weight (bars) vs token share (hatched)")
    fig.tight_layout()
    return fig
