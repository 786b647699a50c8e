"""Knock-out experiments on a trained GPT (notebook 07): switch one component off, measure the damage.

`knocked_out(model, head=(layer, head))`, `knocked_out(model, mlp=layer)` or
`knocked_out(model, ln_f=True)` is a context manager: inside it the GPT runs with that head's
output zeroed (before `c_proj` mixes the heads), that block's MLP output zeroed (the block adds
nothing there), or the final layer norm replaced by the identity. The weights are not changed;
hooks do it, and leaving the block removes them. `knockout_effect` measures bits/char on a text
and the next-token distribution for a prompt, with and without the knock-out.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch

from .model import GPT
from .train import evaluate_ids


def components(model: GPT) -> list[str]:
    """Every component that can be knocked out, named as `knocked_out` takes them by `parse`."""
    names = ["nothing"]
    for layer in range(model.config.n_layer):
        names += [f"head {layer}.{head}" for head in range(model.config.n_head)] + [f"mlp {layer}"]
    return names + ["ln_f"]


def parse(name: str) -> dict:
    """"head 1.2" -> {"head": (1, 2)}, "mlp 3" -> {"mlp": 3}, "ln_f" -> {"ln_f": True}, "nothing" -> {}."""
    kind, _, where = name.partition(" ")
    if name == "nothing":
        return {}
    if name == "ln_f":
        return {"ln_f": True}
    try:
        if kind == "head":
            layer, head = where.split(".")
            return {"head": (int(layer), int(head))}
        if kind == "mlp":
            return {"mlp": int(where)}
    except ValueError:
        pass
    raise ValueError(f"cannot read {name!r}: write 'head LAYER.HEAD', 'mlp LAYER', 'ln_f' or 'nothing'")


@contextmanager
def knocked_out(model: GPT, head: tuple[int, int] | None = None, mlp: int | None = None, ln_f: bool = False):
    """Run `model` with one head, one block's MLP and/or the final layer norm switched off."""
    config, blocks, handles = model.config, model.transformer.h, []
    if head is not None:
        layer, index = head
        if not (0 <= layer < config.n_layer and 0 <= index < config.n_head):
            raise ValueError(f"head must be (layer, head) with layer in [0, {config.n_layer}) and head in "
                             f"[0, {config.n_head}), got {head}")
        size = config.n_embd // config.n_head

        def zero_head(module, inputs):  # c_proj's input: the heads side by side
            x = inputs[0].clone()
            x[..., index * size:(index + 1) * size] = 0
            return (x,)
        handles.append(blocks[layer].attn.c_proj.register_forward_pre_hook(zero_head))
    if mlp is not None:
        if not 0 <= mlp < config.n_layer:
            raise ValueError(f"mlp must be a block index in [0, {config.n_layer}), got {mlp}")
        handles.append(blocks[mlp].mlp.register_forward_hook(lambda module, inputs, output: torch.zeros_like(output)))
    if ln_f:
        handles.append(model.transformer.ln_f.register_forward_hook(lambda module, inputs, output: inputs[0]))
    try:
        yield model
    finally:
        for handle in handles:
            handle.remove()


@torch.no_grad()
def next_token_distribution(model: GPT, tokenizer, prompt: str, top: int = 8) -> list[tuple[str, float]]:
    """The `top` most likely next tokens after `prompt` and their probabilities."""
    ids = tokenizer.encode(prompt).ids[-model.config.block_size:]
    if not ids:
        raise ValueError("type a prompt: the next-token distribution needs at least one token")
    device = next(model.parameters()).device
    logits, _ = model(torch.tensor([ids], device=device))
    probabilities = logits[0, -1].float().softmax(-1).cpu()
    values, indices = probabilities.topk(top)
    return [(tokenizer.decode([i]), p) for i, p in zip(indices.tolist(), values.tolist())]


def knockout_effect(model: GPT, tokenizer, ids: torch.Tensor, prompt: str, component: str = "nothing",
                    top: int = 8) -> dict:
    """bits/char on `ids` and the next-token distribution after `prompt`, intact and knocked out."""
    knock = parse(component)
    model.eval()
    intact = evaluate_ids(model, ids, tokenizer)["bits_per_char"]
    intact_next = next_token_distribution(model, tokenizer, prompt, top)
    with knocked_out(model, **knock):
        damaged = evaluate_ids(model, ids, tokenizer)["bits_per_char"]
        damaged_next = next_token_distribution(model, tokenizer, prompt, top)
    return {"component": component, "intact_bits_per_char": intact, "bits_per_char": damaged,
            "increase": damaged - intact, "intact_next": intact_next, "next": damaged_next}


def knockout_table(model: GPT, tokenizer, ids: torch.Tensor) -> dict[str, float]:
    """bits/char on `ids` with each component knocked out in turn ("nothing": the intact model)."""
    model.eval()
    table = {}
    for name in components(model):
        with knocked_out(model, **parse(name)):
            table[name] = evaluate_ids(model, ids, tokenizer)["bits_per_char"]
    return table
