"""Notebook 03: the tokenizer playground: the same text split by several tokenizers."""
from __future__ import annotations

import html as _html

import ipywidgets as widgets
from IPython.display import HTML, display

from ..text import token_spans


TOKEN_COLOURS = ("#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6")


def tokens_html(spans: list[tuple[str, int]]) -> str:
    """Coloured spans, one per token, with its id underneath: HTML for a notebook."""
    cells = []
    for i, (piece, token_id) in enumerate(spans):
        shown = _html.escape(piece).replace(" ", "&middot;").replace("\n", "&#9166;") or "&#8203;"
        cells.append(f'<span style="display:inline-block;background:{TOKEN_COLOURS[i % len(TOKEN_COLOURS)]};'
                     f'margin:1px;padding:1px 3px;border-radius:3px;font-family:monospace;'
                     f'text-align:center">{shown}<br><small>{token_id}</small></span>')
    return "<div>" + "".join(cells) + "</div>"


def explore_tokens(tokenizers: dict, name: str, text: str = "To be, or not to be",
                   draw: bool = True) -> dict:
    """Tokenize `text` with one of several tokenizers: pieces, ids and a coloured view."""
    if name not in tokenizers:
        raise ValueError(f"unknown tokenizer {name!r}; choose one of {list(tokenizers)}")
    spans = token_spans(tokenizers[name], text)
    result = {"name": name, "pieces": [p for p, _ in spans], "ids": [i for _, i in spans],
              "html": tokens_html(spans)}
    print(f"{len(spans)} tokens for {len(text)} characters ({len(text.split())} words)")
    if draw:
        display(HTML(result["html"]))
    return result


def tokenizer_playground(tokenizers: dict, text: str = "To be, or not to be: that is the question.",
                         draw: bool = True) -> widgets.interactive:
    """Dropdown (which tokenizer) and text box around explore_tokens."""
    return widgets.interactive(
        explore_tokens, tokenizers=widgets.fixed(tokenizers),
        name=widgets.Dropdown(options=list(tokenizers), description="tokenizer"),
        text=widgets.Text(value=text, description="text", continuous_update=False,
                          layout=widgets.Layout(width="90%")),
        draw=widgets.fixed(draw))
