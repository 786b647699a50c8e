"""Notebook 02: type a prompt, see the n-gram model's most likely next words."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..plots.ngram import plot_next_word_probabilities


def explore_next_word(model, prompt: str = "my good", top: int = 10, draw: bool = True) -> dict:
    """The n-gram model's `top` most likely next words after a typed prompt.

    A prompt without any known word is reported (the model raises ValueError) instead of drawn.
    """
    try:
        pairs = model.next_word_probabilities(prompt, top=top)
    except ValueError as error:
        print(f"Cannot predict: {error}")
        return {"prompt": prompt, "pairs": [], "error": str(error)}
    print(" | ".join(f"{word} {p:.3f}" for word, p in pairs))
    result = {"prompt": prompt, "pairs": pairs, "error": None}
    if draw:
        result["figure"] = plot_next_word_probabilities(pairs, prompt)
        plt.show()
    return result


def next_word_explorer(model, prompt: str = "my good", draw: bool = True) -> widgets.interactive:
    """Text box (prompt) and slider (how many words) around explore_next_word."""
    return widgets.interactive(
        explore_next_word, model=widgets.fixed(model),
        prompt=widgets.Text(value=prompt, description="prompt", continuous_update=False),
        top=widgets.IntSlider(10, min=3, max=25, description="top words"),
        draw=widgets.fixed(draw))
