"""Notebook 09: the genre classifier's probabilities on any passage you type (classifier.py)."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..classifier import encode_batch
from ..genres import LABELS


def explore_genre(classifier, tokenizer, text: str = "O, that this too too solid flesh would melt,\n"
                  "Thaw and resolve itself into a dew!", draw: bool = True) -> dict:
    """The classifier's probability for comedy, tragedy and history on any text you type."""
    if not text.strip():
        print("type a line or two of verse")
        return {"text": text, "probabilities": None}
    ids, lengths = encode_batch(tokenizer, [text], classifier.gpt.config.block_size)
    with torch.no_grad():
        probs = classifier.eval()(ids.to(classifier.head.weight.device), lengths).softmax(-1)[0].cpu()
    result = {"text": text, "probabilities": {label: round(p, 4) for label, p in zip(LABELS, probs.tolist())},
              "prediction": LABELS[int(probs.argmax())]}
    print(f"prediction: {result['prediction']}  ({', '.join(f'{k} {v:.2f}' for k, v in result['probabilities'].items())})")
    if draw:
        fig, ax = plt.subplots(figsize=(5, 1.8))
        ax.barh(list(LABELS), probs.tolist(), color="tab:blue")
        ax.set(xlim=(0, 1), xlabel="probability")
        fig.tight_layout()
        result["figure"] = fig
        plt.show()
    return result


def genre_explorer(classifier, tokenizer, draw: bool = True) -> widgets.interactive:
    """A passage box around explore_genre."""
    box = widgets.Textarea(value="O, that this too too solid flesh would melt,\nThaw and resolve itself into a dew!",
                           description="passage", layout=widgets.Layout(width="600px", height="80px"),
                           continuous_update=False)
    return widgets.interactive(explore_genre, classifier=widgets.fixed(classifier),
                               tokenizer=widgets.fixed(tokenizer), text=box, draw=widgets.fixed(draw))
