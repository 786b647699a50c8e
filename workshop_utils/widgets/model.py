"""The knock-out explorer of knockout.py (notebook 07): switch a head, an MLP or ln_f off and see
bits/char and the next-token distribution change."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..knockout import components, knockout_effect
from ..plots.model import plot_knockout


def explore_knockout(model, tokenizer, ids, prompt: str = "To be, or not to", component: str = "nothing",
                     draw: bool = True) -> dict:
    """knockout_effect (bits/char on `ids`, the next tokens after `prompt`), drawn if `draw`."""
    effect = knockout_effect(model, tokenizer, ids, prompt, component)
    if draw:
        effect["figure"] = plot_knockout(effect)
        plt.show()
    return effect


def knockout_explorer(model, tokenizer, ids, prompt: str = "To be, or not to", draw: bool = True) -> widgets.interactive:
    """A dropdown of every component (each head, each block's MLP, ln_f) and a prompt box."""
    return widgets.interactive(
        explore_knockout, model=widgets.fixed(model), tokenizer=widgets.fixed(tokenizer), ids=widgets.fixed(ids),
        prompt=widgets.Text(prompt, description="prompt", continuous_update=False),
        component=widgets.Dropdown(options=components(model), value="nothing", description="knock out"),
        draw=widgets.fixed(draw))
