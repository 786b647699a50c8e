"""The shipped base along its own training run (notebook 08, later the benchmarks): the initial
weights, the 16-bit snapshots and the final model, each with its validation bits/char, and what
one attention head does at each point.

One run, one seed, one data order: the snapshots differ only in how far training had got, so a
change from one to the next is what training did, not another random draw.
"""
from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import load_checkpoint, read_checkpoint_json
from .induction import previous_token_scores
from .model import GPT
from .paths import BASE_CHECKPOINT, SNAPSHOT_DIR
from .pretrain import load_snapshots


def training_series(snapshots: str | Path = SNAPSHOT_DIR, final: str | Path = BASE_CHECKPOINT) -> list[dict]:
    """Every point of the run, by step: {step, tokens_seen, val_bits_per_char, label, path}.

    The snapshots' figures are of their 16-bit weights as stored; the final model's of its own file.
    All are on the whole validation split. The snapshots must come from the final model's run: a
    snapshot past the final step, or with another tokenizer, is refused.
    """
    metrics = read_checkpoint_json(final, "metrics.json")
    final_row = {"step": metrics["step"], "tokens_seen": metrics["tokens_seen"],
                 "val_bits_per_char": metrics["val_bits_per_char"], "label": "final", "path": Path(final)}
    rows = []
    final_tokenizer = (Path(final) / "tokenizer.json").read_text(encoding="utf-8")
    for snapshot in load_snapshots(snapshots):
        if snapshot["step"] >= final_row["step"]:
            raise ValueError(f"snapshot {snapshot['path']} is at step {snapshot['step']}, not before the "
                             f"final model's {final_row['step']}: it is not from this run")
        if (Path(snapshot["path"]) / "tokenizer.json").read_text(encoding="utf-8") != final_tokenizer:
            raise ValueError(f"snapshot {snapshot['path']} has another tokenizer than {final}: "
                             "it is not from this run")
        label = "initial" if snapshot["step"] == 0 else f"{snapshot['fraction']:.0%} of the steps"
        rows.append({key: snapshot[key] for key in ("step", "tokens_seen", "val_bits_per_char")}
                    | {"label": label, "path": Path(snapshot["path"])})
    return rows + [final_row]


def load_series_model(row: dict, device: str | torch.device = "cpu") -> GPT:
    """The model of one point of training_series, in eval mode (16-bit snapshots load as float32)."""
    return load_checkpoint(row["path"], device)[0]


@torch.no_grad()
def attention_over_training(series: list[dict], ids: torch.Tensor, layer: int, head: int,
                            device: str | torch.device = "cpu") -> list[torch.Tensor]:
    """One head's attention weights (T, T) on token ids (T,) at every point of the series."""
    if ids.dim() != 1:
        raise ValueError(f"ids must be one sequence (T,), got shape {tuple(ids.shape)}")
    maps = []
    for row in series:
        model = load_series_model(row, device)
        n_layer, n_head = model.config.n_layer, model.config.n_head
        if not (0 <= layer < n_layer and 0 <= head < n_head):
            raise ValueError(f"layer must be in 0..{n_layer - 1} and head in 0..{n_head - 1}, "
                             f"got layer={layer}, head={head}")
        maps.append(model.attention_maps(ids.unsqueeze(0).to(device))[layer][0, head].cpu())
    return maps


@torch.no_grad()
def previous_token_over_training(series: list[dict], ids: torch.Tensor,
                                 device: str | torch.device = "cpu") -> list[torch.Tensor]:
    """(n_layer, n_head) previous-token scores (induction.previous_token_scores) at every point."""
    return [previous_token_scores(load_series_model(row, device), ids.to(device)).cpu() for row in series]
