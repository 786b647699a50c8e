"""Notebook 08: prompt, temperature, top-k and top-p -> the pretrained model's text."""
from __future__ import annotations

import ipywidgets as widgets

from ..generation import complete


def generation_explorer(model, tokenizer, prompt: str = "ROMEO:\n", seed: int = 0) -> widgets.interactive:
    """Prompt, temperature, top-k (0 = off), top-p (1 = off) and length -> the model's text."""
    def sample(prompt: str, temperature: float, top_k: int, top_p: float, length: int) -> dict:
        text = complete(model, tokenizer, prompt, max_new_tokens=length, temperature=temperature,
                        top_k=top_k or None, top_p=top_p if top_p < 1 else None, seed=seed)
        print(prompt + text)
        return {"prompt": prompt, "text": text}

    return widgets.interactive(
        sample,
        prompt=widgets.Textarea(value=prompt, description="prompt"),
        temperature=widgets.FloatSlider(value=0.8, min=0.05, max=2.0, step=0.05, description="temperature"),
        top_k=widgets.IntSlider(value=0, min=0, max=200, step=5, description="top-k (0 off)"),
        top_p=widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="top-p (1 off)"),
        length=widgets.IntSlider(value=60, min=5, max=300, step=5, description="new tokens"))
