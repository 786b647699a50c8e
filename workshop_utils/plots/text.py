"""Tokens (text.py): readable token labels (notebooks 05, 06, 08) and the vocabulary-size
trade-off of tokenizers (notebook 03)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def token_labels(tokenizer, ids) -> list[str]:
    """Readable label per token id (each decoded alone; spaces shown as '·')."""
    ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
    return [tokenizer.decode([i]).replace(" ", "·").replace("\n", "⏎") for i in ids]


def plot_tokenizer_tradeoff(rows: list[dict]) -> plt.Figure:
    """Vocabulary size against tokens per word (left) and sequence length (right).

    Each row: {"name", "vocab_size", "tokens_per_word", "tokens"} for one tokenizer.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    sizes = [r["vocab_size"] for r in rows]
    for ax, key, label in ((left, "tokens_per_word", "tokens per word"),
                           (right, "tokens", "sequence length (tokens for the text)")):
        values = [r[key] for r in rows]
        ax.plot(sizes, values, "o-")
        for row, x, y in zip(rows, sizes, values):
            ax.annotate(row["name"], (x, y), textcoords="offset points", xytext=(4, 6), fontsize=8)
        ax.set(xscale="log", xlabel="vocabulary size (log scale)", ylabel=label)
        ax.grid(alpha=0.3)
    left.set_title("Bigger vocabulary: fewer tokens per word")
    right.set_title("...so the same text is a shorter sequence")
    fig.tight_layout()
    return fig
