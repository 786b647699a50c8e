"""Notebook 00: how many bytes a model's weights take (llm_facts.py)."""
from __future__ import annotations

import ipywidgets as widgets

from ..llm_facts import BITS, MODELS, human_bytes, parameter_bytes


def explore_model_memory(billions_of_parameters: float = 175.0, bits: int = 16) -> dict:
    """Bytes to store a model's weights at `bits` per parameter, next to the slide's models."""
    if billions_of_parameters <= 0:
        raise ValueError(f"billions_of_parameters must be > 0, got {billions_of_parameters}")
    size = parameter_bytes(billions_of_parameters * 1e9, bits)
    lines = [f"{billions_of_parameters:g}B parameters x {bits} bits / 8 = {human_bytes(size)}"]
    for name, model in MODELS.items():
        lines.append(f"  {name}: {model['parameters'] / 1e9:g}B parameters -> "
                     f"{human_bytes(parameter_bytes(model['parameters'], bits))}")
    print("\n".join(lines))
    return {"bytes": size, "text": lines[0]}


def model_memory_explorer() -> widgets.interactive:
    """Slider: billions of parameters; dropdown: number format (bits per parameter)."""
    return widgets.interactive(
        explore_model_memory,
        billions_of_parameters=widgets.FloatLogSlider(value=175, base=10, min=-1, max=3.5, step=0.05,
                                                      description="params (B)"),
        bits=widgets.Dropdown(options=[(f"{name} ({bits} bit)", bits) for name, bits in BITS.items()],
                              value=16, description="format"))
