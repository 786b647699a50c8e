"""Explorers of attention.py: the sinusoidal positional encoding (notebook 05) and the attention
weights of one layer and head of a GPT on typed text (notebook 06)."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..attention import positional_encoding
from ..plots.attention import plot_attention, plot_positional_encoding, plot_positional_waves
from ..plots.text import token_labels


def explore_positional_encoding(d_model: int = 64, length: int = 50, draw: bool = True) -> dict:
    """The (length, d_model) sinusoidal encoding as a heatmap and as waves of a few dimensions."""
    encoding = positional_encoding(length, d_model)
    dimensions = sorted({0, 1, 2, d_model // 4 * 2, d_model - 2})
    result = {"shape": tuple(encoding.shape), "encoding": encoding, "dimensions": dimensions}
    if draw:
        result["figure"] = plot_positional_encoding(encoding)
        plt.show()
        result["waves"] = plot_positional_waves(encoding, dimensions)
        plt.show()
    return result


def positional_encoding_explorer(draw: bool = True) -> widgets.interactive:
    """Sliders: d_model (even) and the number of positions."""
    return widgets.interactive(
        explore_positional_encoding,
        d_model=widgets.IntSlider(64, min=2, max=256, step=2, description="d_model"),
        length=widgets.IntSlider(50, min=1, max=200, description="positions"),
        draw=widgets.fixed(draw))


def explore_attention(model, tokenizer, text: str = "All the world's a stage", layer: int = 0,
                      head: int = 0, causal: bool = True, draw: bool = True) -> dict:
    """Attention weights of one layer and head of a workshop GPT on `text` (heatmap if draw).

    causal=False shows the same queries and keys without the mask (the model was trained with
    it). Text longer than the context is cut to its first block_size tokens.
    """
    ids = torch.tensor(tokenizer.encode(text).ids[:model.config.block_size], dtype=torch.long)
    if len(ids) == 0:
        raise ValueError("type some text to see its attention weights")
    if not (0 <= layer < model.config.n_layer and 0 <= head < model.config.n_head):
        raise ValueError(f"layer must be in [0, {model.config.n_layer}) and head in "
                         f"[0, {model.config.n_head}), got layer={layer}, head={head}")
    device = next(model.parameters()).device
    weights = model.attention_maps(ids.unsqueeze(0).to(device), causal=causal)[layer][0, head].cpu()
    result = {"tokens": token_labels(tokenizer, ids), "weights": weights, "layer": layer,
              "head": head, "causal": causal}
    if draw:
        mask_note = "causal mask" if causal else "no mask"
        result["figure"] = plot_attention(weights, result["tokens"], annotate=False,
                                          title=f"layer {layer}, head {head} ({mask_note})")
        plt.show()
    return result


def attention_explorer(model, tokenizer, text: str = "All the world's a stage, and all the men "
                       "and women merely players", draw: bool = True) -> widgets.interactive:
    """Text box, layer and head sliders, causal-mask checkbox around explore_attention."""
    return widgets.interactive(
        explore_attention, model=widgets.fixed(model), tokenizer=widgets.fixed(tokenizer),
        text=widgets.Text(value=text, description="text", continuous_update=False,
                          layout=widgets.Layout(width="90%")),
        layer=widgets.IntSlider(0, 0, model.config.n_layer - 1, description="layer"),
        head=widgets.IntSlider(0, 0, model.config.n_head - 1, description="head"),
        causal=widgets.Checkbox(value=True, description="causal mask"), draw=widgets.fixed(draw))
