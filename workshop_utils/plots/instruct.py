"""Notebook 10: instruction tuning (instruct.py): which tokens are trained, before/after report."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def plot_masked_targets(tokens: list[str], targets: list[int], title: str = "") -> plt.Figure:
    """Each input token as a box: grey where the target is -100 (no loss), orange where trained."""
    per_row = 16
    rows = (len(tokens) + per_row - 1) // per_row
    fig, ax = plt.subplots(figsize=(12, 0.42 * rows + 0.6))
    for i, (token, target) in enumerate(zip(tokens, targets)):
        row, col = divmod(i, per_row)
        color = "#dddddd" if target == -100 else "#ffb347"
        ax.add_patch(plt.Rectangle((col, -row - 1), 0.95, 0.85, color=color))
        label = token.replace("Ġ", "·").replace("Ċ", "\\n")[:7]
        ax.text(col + 0.47, -row - 0.57, label, ha="center", va="center", fontsize=7)
    ax.set(xlim=(0, per_row), ylim=(-rows - 0.1, 0), title=title or
           "input tokens: grey = target -100 (prompt, padding), orange = trained (response + <EOS>)")
    ax.axis("off")
    fig.tight_layout()
    return fig


def plot_instruction_report(before: dict, after: dict) -> plt.Figure:
    """Format adherence and accuracy per task, before and after instruction tuning."""
    tasks = list(after["tasks"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
    for ax, key in zip(axes, ("format", "accuracy")):
        x = torch.arange(len(tasks), dtype=torch.float32)
        ax.bar(x - 0.2, [100 * before["tasks"][t][key] for t in tasks], 0.4, label="base model")
        ax.bar(x + 0.2, [100 * after["tasks"][t][key] for t in tasks], 0.4, label="instruction-tuned")
        ax.set_xticks(x.tolist(), tasks, rotation=20)
        ax.set(title="format adherence" if key == "format" else "accuracy", ylim=(0, 105), ylabel="%")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
