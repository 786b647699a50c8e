"""Notebook 01: pick an activation and its parameter, see it and its derivative."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..activations import activation_names, get_activation
from ..plots.activations import plot_activation


def explore_activation(name: str = "relu", parameter: float = 0.1, show_derivative: bool = True,
                       draw: bool = True) -> dict:
    """Draw one activation (and its derivative) and return its values at x = -2, -1, 0, 1, 2.

    `parameter` is the slope of Leaky ReLU, ELU's alpha or Maxout's second slope; the other
    activations have none and ignore it (the result then says parameter=None).
    """
    activation = get_activation(name)
    used = parameter if activation.parameter else None
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
    result = {"name": activation.name, "parameter": used, "x": x.tolist(),
              "y": [round(v, 6) for v in activation(x, used).tolist()],
              "derivative": [round(v, 6) for v in activation.grad(x, used).tolist()]
              if show_derivative else None}
    if draw:
        result["figure"] = plot_activation(activation.name, used, show_derivative)
        plt.show()
    return result


def activation_explorer(draw: bool = True) -> widgets.interactive:
    """Dropdown (activation), slider (its parameter), checkbox (derivative on/off).

    Picking an activation resets the slider to that activation's default and range, and
    disables it for activations without a parameter.
    """
    names = activation_names()
    dropdown = widgets.Dropdown(options=names, value="leaky_relu", description="function")
    slider = widgets.FloatSlider(value=0.1, min=0.0, max=0.9, step=0.05, description="parameter",
                                 continuous_update=False)
    checkbox = widgets.Checkbox(value=True, description="show derivative")

    def reset_slider(change: dict) -> None:  # registered before interactive's own observer
        activation = get_activation(change["new"])
        slider.disabled = activation.parameter is None
        if activation.parameter is not None:
            low, high = activation.parameter_range
            with slider.hold_trait_notifications():
                slider.min, slider.max = -1e9, 1e9  # widen first so no value is clamped
                slider.value = activation.default
                slider.min, slider.max = low, high
            slider.description = activation.parameter[:12]

    dropdown.observe(reset_slider, names="value")
    return widgets.interactive(explore_activation, name=dropdown, parameter=slider,
                               show_derivative=checkbox, draw=widgets.fixed(draw))
