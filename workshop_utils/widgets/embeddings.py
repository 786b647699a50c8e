"""Notebook 04: the nearest neighbours of a typed word in a table of word vectors."""
from __future__ import annotations

import ipywidgets as widgets


def explore_neighbours(word_vectors, word: str = "king", top: int = 8) -> dict:
    """Nearest words to a typed word in a WordVectors table (a clear message if unknown)."""
    try:
        neighbours = word_vectors.most_similar(word.strip().lower(), top=top)
    except ValueError as error:
        print(f"Cannot look up: {error}")
        return {"word": word, "neighbours": [], "error": str(error)}
    print("\n".join(f"{w:>14}  {s:.3f}" for w, s in neighbours))
    return {"word": word, "neighbours": neighbours, "error": None}


def neighbours_explorer(word_vectors, word: str = "king") -> widgets.interactive:
    """Text box (a word) and slider (how many neighbours) around explore_neighbours."""
    return widgets.interactive(
        explore_neighbours, word_vectors=widgets.fixed(word_vectors),
        word=widgets.Text(value=word, description="word", continuous_update=False),
        top=widgets.IntSlider(8, min=1, max=20, description="neighbours"))
