"""Notebook 11: LoRA's trainable parameters for a rank and a set of target layers (lora.py)."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..lora import gpt3_lora_parameters, lora_parameter_count, lora_target_shapes
from ..plots.lora import plot_lora_ranks


LORA_TARGET_SETS = {  # name -> (our GPT's layer names, GPT-3's matrices)
    "attention q, v (LoRA paper)": (("c_attn",), ("q", "v")),
    "attention q, k, v": (("c_attn",), ("q", "k", "v")),
    "attention q, k, v + output": (("c_attn", "attn.c_proj"), ("q", "k", "v", "o")),
    "attention + MLP (every Linear in a block)": (("c_attn", "c_proj", "c_fc"),
                                                  ("q", "k", "v", "o", "mlp_in", "mlp_out")),
}


def explore_lora_ranks(model, r: int = 8, targets: str = "attention q, k, v", draw: bool = True) -> dict:
    """Trainable LoRA parameters and their share of the model, for our GPT and for GPT-3 175B.

    Our GPT computes q, k and v with one fused Linear (c_attn), so "q, v" adapts all three there.
    """
    ours, gpt3 = LORA_TARGET_SETS[targets]
    shapes = list(lora_target_shapes(model, ours).values())
    total = sum(p.numel() for p in model.parameters())
    rows = []
    for rank in (1, 2, 4, 8, 16, 32, 64):
        if rank <= min(min(s) for s in shapes):
            count = lora_parameter_count(shapes, rank)
            rows.append({"model": "our GPT", "r": rank, "trainable": count, "fraction": count / total})
        big = gpt3_lora_parameters(rank, gpt3)
        rows.append({"model": "GPT-3 175B", "r": rank, "trainable": big["trainable"], "fraction": big["fraction"]})
    ours_now = lora_parameter_count(shapes, r)
    gpt3_now = gpt3_lora_parameters(r, gpt3)
    result = {"r": r, "targets": targets, "layers adapted (ours)": len(shapes),
              "trainable (ours)": ours_now, "fraction (ours)": ours_now / total,
              "trainable (GPT-3)": gpt3_now["trainable"], "fraction (GPT-3)": gpt3_now["fraction"],
              "rows": rows}
    print(f"r={r}, {targets}\n  our GPT : {ours_now:>13,} trainable of {total:,} ({100 * ours_now / total:.3f}%)"
          f"\n  GPT-3   : {gpt3_now['trainable']:>13,} trainable of 175B ({100 * gpt3_now['fraction']:.4f}%)")
    if draw:
        result["figure"] = plot_lora_ranks(rows, marked_rank=r)
        plt.show()
    return result


def lora_rank_explorer(model, draw: bool = True) -> widgets.interactive:
    """Rank slider (1-64, powers of two) and a dropdown of target layers."""
    rank = widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64], value=8, description="rank r")
    targets = widgets.Dropdown(options=list(LORA_TARGET_SETS), value="attention q, k, v",
                               description="targets", layout=widgets.Layout(width="420px"))
    return widgets.interactive(explore_lora_ranks, model=widgets.fixed(model), r=rank,
                               targets=targets, draw=widgets.fixed(draw))
