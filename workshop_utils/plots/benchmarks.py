"""Notebook 12: benchmarks (benchmarks.py): published leaderboards, multiple-choice accuracy,
length-controlled win rates and arena-style ratings."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def plot_alpaca_leaderboard(rows: list[dict]) -> plt.Figure:
    """Raw vs length-controlled win rate per model (AlpacaEval 2.0): the gap is the length bias."""
    rows = sorted(rows, key=lambda r: r["lc_win_rate"])
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    for y, row in enumerate(rows):
        ax.plot([row["win_rate"], row["lc_win_rate"]], [y, y], color="0.7", zorder=1)
    ax.scatter([r["win_rate"] for r in rows], range(len(rows)), color="tab:orange", label="raw win rate", zorder=2)
    ax.scatter([r["lc_win_rate"] for r in rows], range(len(rows)), color="tab:blue", label="length-controlled", zorder=2)
    ax.axvline(50, color="k", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [r["model"] for r in rows])
    ax.set_xlabel("win rate against GPT-4 Preview (11/06), %")
    ax.set_title("AlpacaEval 2.0: length control reorders the table")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_arc_leaderboard(rows: list[dict], label: tuple[str, ...] = ("Human Panel", "o3-preview (Low)*",
                                                                     "o3 (High)", "ARChitects",
                                                                     "Claude Opus 4 (Thinking 16K)")) -> plt.Figure:
    """ARC-AGI-1 and ARC-AGI-2 scores against cost per task (log axis), one line per system."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for row in rows:
        ax.plot([row["cost_per_task_usd"]] * 2, [row["arc_agi_1"], row["arc_agi_2"]], color="0.8", zorder=1)
        if row["system"] in label:
            ax.annotate(row["system"], (row["cost_per_task_usd"], row["arc_agi_1"]), fontsize=8,
                        xytext=(4, 4), textcoords="offset points")
    costs = [r["cost_per_task_usd"] for r in rows]
    ax.scatter(costs, [r["arc_agi_1"] for r in rows], marker="o", label="ARC-AGI-1", zorder=2)
    ax.scatter(costs, [r["arc_agi_2"] for r in rows], marker="^", label="ARC-AGI-2", zorder=2)
    ax.set_xscale("log")
    ax.set_xlabel("cost per task, US$ (log scale)")
    ax.set_ylabel("score, %")
    ax.set_title("ARC-AGI: the second version is far harder for machines, not for people")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_lmarena_ranks(rows: list[dict], categories: tuple[str, ...] = (
        "overall", "hard_prompts", "coding", "math", "creative_writing", "instruction_following",
        "longer_query", "multi_turn")) -> plt.Figure:
    """Rank of each model in each LMArena category (1 = best): rankings depend on the question mix."""
    ranks = torch.tensor([[float(r[c]) for c in categories] for r in rows])
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(rows) + 1.5))
    image = ax.imshow(ranks, cmap="viridis_r", aspect="auto")
    for (i, j), value in zip(((i, j) for i in range(len(rows)) for j in range(len(categories))), ranks.flatten()):
        ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=8,
                color="white" if value > ranks.max() / 2 else "black")
    ax.set_xticks(range(len(categories)), [c.replace("_", "\n") for c in categories], fontsize=8)
    ax.set_yticks(range(len(rows)), [f"{r['model']} ({int(r['slide_row'])})" for r in rows], fontsize=8)
    fig.colorbar(image, ax=ax, label="rank (1 = best)")
    ax.set_title("LMArena ranks by category")
    fig.tight_layout()
    return fig


def plot_mmlu_pro(rows: list[dict]) -> plt.Figure:
    """Overall MMLU-Pro accuracy, coloured by who measured it."""
    colors = {"Self-Reported": "tab:gray", "TIGER-Lab": "tab:green"}
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rows) + 1.2))
    labels = [f"{r['model']} [{r['data_source']}]" for r in rows]
    ax.barh(labels, [r["overall"] for r in rows], color=[colors.get(r["data_source"], "tab:blue") for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0.7, 0.92)
    ax.set_xlabel("MMLU-Pro overall accuracy (10 options, chance 0.10)")
    ax.set_title("MMLU-Pro: grey = self-reported, green = run by TIGER-Lab")
    fig.tight_layout()
    return fig


def plot_accuracy_by_subject(accuracy: dict[str, dict[str, float]], chance: float = 0.25,
                             title: str = "Multiple-choice accuracy by subject") -> plt.Figure:
    """Grouped bars: one group per subject (and 'micro'), one bar per model; chance as a line."""
    models = list(accuracy)
    subjects = list(next(iter(accuracy.values())))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for m, model in enumerate(models):
        ax.bar([s + m * width for s in range(len(subjects))], [accuracy[model][s] for s in subjects],
               width, label=model)
    ax.axhline(chance, color="k", ls="--", lw=0.8, label=f"chance ({chance:.2f})")
    ax.set_xticks([s + 0.4 - width / 2 for s in range(len(subjects))], subjects)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_padding_effect(extra_words: list[int], raw: list[float], lc: list[float]) -> plt.Figure:
    """Raw and length-controlled win rate as answers are padded with filler words."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(extra_words, raw, "o-", color="tab:orange", label="raw win rate")
    ax.plot(extra_words, lc, "s-", color="tab:blue", label="length-controlled win rate")
    ax.axhline(50, color="k", ls="--", lw=0.8)
    ax.set_xlabel("filler words added to every answer of the model")
    ax.set_ylabel("win rate, %")
    ax.set_title("Padding fools the judge, not the length control")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_ratings(ratings: dict[str, float], intervals: dict[str, tuple[float, float]],
                 elo_runs: list[dict[str, float]] | None = None) -> plt.Figure:
    """Bradley-Terry ratings with bootstrap intervals; online Elo from shuffled orders as dots."""
    models = sorted(ratings, key=ratings.get)
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(models) + 1.5))
    for y, model in enumerate(models):
        low, high = intervals[model]
        ax.plot([low, high], [y, y], color="tab:blue", lw=3, alpha=0.5)
        if elo_runs:
            ax.scatter([run[model] for run in elo_runs], [y + 0.2] * len(elo_runs), s=8,
                       color="tab:orange", alpha=0.5, label="online Elo, shuffled orders" if y == 0 else None)
    ax.scatter([ratings[m] for m in models], range(len(models)), color="tab:blue", zorder=3,
               label="Bradley-Terry (95% bootstrap interval)")
    ax.set_yticks(range(len(models)), models)
    ax.set_xlabel("rating")
    ax.set_title("Arena-style ranking of our model variants")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
