"""Karpathy's incremental build as a measured ablation (notebook 07): which component helps how much.

A configurable small language model, from a bigram (token embedding -> logits) up to the GPT-2
block, one change per variant; every variant trains for the same steps on the same batches and
is scored in bits/char on the same validation text. `ABLATION_VARIANTS` is the ladder,
`train_variant` one rung; scripts/ablation_sweep.py runs the whole table (recipes.ABLATION_RECIPE)
into data/results/architecture-ablation.json. The attention, MLP and position table are the GPT's own
(model.CausalSelfAttention, model.MLP, attention.positional_encoding); only the wiring differs.
The heads sweep of notebook 06 uses the same trainer with the GPT itself (`train_heads`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import positional_encoding
from .model import GPT, MLP, CausalSelfAttention, GPTConfig
from .recipes import ABLATION_RECIPE, AblationRecipe
from .runtime import set_seed
from .train import Trainer, evaluate_ids

NORMS = ("none", "pre", "post")
POSITIONS = ("none", "learned", "sinusoidal", "small sinusoidal")
EMBEDDING_STD = 0.02  # GPT-2's initialisation of the embeddings (and of every layer here)


@dataclass(frozen=True)
class Variant:
    """One rung of the ladder. n_layer=0 is the bigram: the next token from the current one only."""
    name: str
    n_layer: int = 1
    n_head: int = 1
    mlp: bool = False  # a feed-forward network after attention in every block
    residual: bool = False  # x + f(x) instead of f(x)
    norm: str = "none"  # layer norm: none, pre (GPT-2: x + f(LN(x)), LN at the end) or post (LN(x + f(x)))
    positions: str = "learned"  # none, learned (a trained table, as the GPT), sinusoidal (fixed, values in
    # [-1, 1]) or small sinusoidal (the same table scaled to the embeddings' size: RMS EMBEDDING_STD per value)

    def __post_init__(self) -> None:
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        if self.positions not in POSITIONS:
            raise ValueError(f"positions must be one of {POSITIONS}, got {self.positions!r}")
        if self.n_layer < 0 or self.n_head < 1:
            raise ValueError(f"need n_layer >= 0 and n_head >= 1, got {self.n_layer} and {self.n_head}")
        if self.norm == "post" and not self.residual:
            raise ValueError("post-norm normalises x + f(x): it needs residual=True")


ABLATION_VARIANTS = (
    Variant("bigram", n_layer=0, positions="none"),
    Variant("one attention head", n_head=1),
    Variant("four heads", n_head=4),
    Variant("+ MLP", n_head=4, mlp=True),
    Variant("4 blocks, no residuals", n_layer=4, n_head=4, mlp=True),
    Variant("+ residuals", n_layer=4, n_head=4, mlp=True, residual=True),
    Variant("+ layer norm, post-norm", n_layer=4, n_head=4, mlp=True, residual=True, norm="post"),
    Variant("+ layer norm, pre-norm (GPT-2)", n_layer=4, n_head=4, mlp=True, residual=True, norm="pre"),
    Variant("pre-norm, no positions", n_layer=4, n_head=4, mlp=True, residual=True, norm="pre",
            positions="none"),
    Variant("pre-norm, sinusoidal positions", n_layer=4, n_head=4, mlp=True, residual=True, norm="pre",
            positions="sinusoidal"),
    Variant("pre-norm, sinusoids at embedding scale", n_layer=4, n_head=4, mlp=True, residual=True, norm="pre",
            positions="small sinusoidal"),
)




class AblationBlock(nn.Module):
    def __init__(self, variant: Variant, config: GPTConfig):
        super().__init__()
        self.variant = variant
        self.attn = CausalSelfAttention(config)
        self.mlp = MLP(config) if variant.mlp else None
        norms = 2 if variant.mlp else 1
        self.norms = nn.ModuleList([nn.LayerNorm(config.n_embd) for _ in range(norms)]
                                   if variant.norm != "none" else [])

    def _sublayer(self, x: torch.Tensor, f, index: int) -> torch.Tensor:
        v = self.variant
        if v.norm == "pre":
            return x + f(self.norms[index](x)) if v.residual else f(self.norms[index](x))
        out = x + f(x) if v.residual else f(x)
        return self.norms[index](out) if v.norm == "post" else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._sublayer(x, self.attn, 0)
        return self._sublayer(x, self.mlp, 1) if self.mlp is not None else x


class AblationModel(nn.Module):
    """Token embedding (+ positions) -> blocks -> (final LN for pre-norm) -> a separate output layer.

    The output layer is not tied to the embedding here: a tied bigram could only score b after a
    as high as a after b. forward(idx, targets) returns (logits, loss), as the GPT, so the GPT's
    Trainer and evaluate_ids run it unchanged.
    """

    def __init__(self, variant: Variant, vocab_size: int, n_embd: int, block_size: int):
        super().__init__()
        self.variant = variant
        self.config = GPTConfig(block_size=block_size, vocab_size=vocab_size, n_layer=max(1, variant.n_layer),
                                n_head=variant.n_head, n_embd=n_embd)
        self.token_table = nn.Embedding(vocab_size, n_embd)
        self.position_table = nn.Embedding(block_size, n_embd) if variant.positions == "learned" else None
        if variant.positions in ("sinusoidal", "small sinusoidal"):
            table = positional_encoding(block_size, n_embd)  # each value's RMS is 1/sqrt(2)
            scale = EMBEDDING_STD * 2 ** 0.5 if variant.positions == "small sinusoidal" else 1.0
            self.register_buffer("sinusoids", table * scale, persistent=False)
        self.blocks = nn.ModuleList([AblationBlock(variant, self.config) for _ in range(variant.n_layer)])
        self.ln_f = nn.LayerNorm(n_embd) if variant.norm == "pre" else None
        self.head = nn.Linear(n_embd, vocab_size)
        for module in self.modules():  # std 0.02 everywhere (GPT-2's, without its scaled c_proj init)
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=EMBEDDING_STD)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        x = self.token_table(idx)
        if self.position_table is not None:
            x = x + self.position_table(torch.arange(idx.size(1), device=idx.device))
        elif self.variant.positions in ("sinusoidal", "small sinusoidal"):
            x = x + self.sinusoids[: idx.size(1)]
        for block in self.blocks:
            x = block(x)
        if self.ln_f is not None:
            x = self.ln_f(x)
        logits = self.head(x)
        loss = None if targets is None else F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss


def _train_and_score(model: nn.Module, train_ids, val_ids, tokenizer, recipe: AblationRecipe, seed: int) -> dict:
    start = time.perf_counter()
    trainer = Trainer(model, train_ids, val_ids, recipe.train_config(seed), tokenizer)
    trainer.fit(progress=False)
    seconds = time.perf_counter() - start
    scored = evaluate_ids(model, val_ids[: recipe.eval_tokens + 1], tokenizer)
    return {"seed": seed, "bits_per_char": scored["bits_per_char"],
            "final_train_loss": trainer.history[-1]["train_loss"], "seconds": round(seconds, 1),
            "parameters": sum(p.numel() for p in model.parameters())}


def train_variant(variant: Variant, train_ids: torch.Tensor, val_ids: torch.Tensor, tokenizer,
                  recipe: AblationRecipe = ABLATION_RECIPE, seed: int = 0) -> dict:
    """Train one rung for the recipe's steps from seed `seed`; {bits_per_char, seconds, ...}."""
    if tokenizer.get_vocab_size() != recipe.vocab_size:
        raise ValueError(f"the recipe expects a {recipe.vocab_size}-token tokenizer, got "
                         f"{tokenizer.get_vocab_size()}; use train_corpus_tokenizer({recipe.vocab_size})")
    set_seed(seed)
    model = AblationModel(variant, recipe.vocab_size, recipe.n_embd, recipe.block_size)
    return {"variant": variant.name, **_train_and_score(model, train_ids, val_ids, tokenizer, recipe, seed)}


HEADS = (1, 2, 4, 8, 16)


def train_heads(n_head: int, train_ids: torch.Tensor, val_ids: torch.Tensor, tokenizer,
                recipe: AblationRecipe = ABLATION_RECIPE, seed: int = 0, n_layer: int = 2) -> dict:
    """The GPT itself with `n_head` heads of n_embd // n_head dimensions each: the parameter count
    does not depend on the number of heads, so the sweep compares equal budgets."""
    if recipe.n_embd % n_head:
        raise ValueError(f"{n_head} heads do not divide n_embd={recipe.n_embd}; pick one of "
                         f"{[h for h in HEADS if recipe.n_embd % h == 0]}")
    set_seed(seed)
    model = GPT(GPTConfig(block_size=recipe.block_size, vocab_size=recipe.vocab_size, n_layer=n_layer,
                          n_head=n_head, n_embd=recipe.n_embd))
    return {"n_head": n_head, "head_size": recipe.n_embd // n_head,
            **_train_and_score(model, train_ids, val_ids, tokenizer, recipe, seed)}


T_95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}  # Student's t, two-sided 95%, by degrees of freedom


def summarise(runs: list[dict], key: str) -> list[dict]:
    """Per `key` value (in first-seen order): mean bits/char, the seeds' spread and a t interval."""
    groups: dict = {}
    for run in runs:
        groups.setdefault(run[key], []).append(run)
    table = []
    for value, group in groups.items():
        values = [r["bits_per_char"] for r in group]
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
        half = T_95.get(len(values) - 1, 1.96) * sd / math.sqrt(len(values)) if len(values) > 1 else 0.0
        table.append({key: value, "mean_bits_per_char": mean, "sd": sd, "ci95": [mean - half, mean + half],
                      "seeds": len(values), "parameters": group[0]["parameters"],
                      "mean_seconds": sum(r["seconds"] for r in group) / len(group)})
    return table



def variant_named(name: str) -> Variant:
    for variant in ABLATION_VARIANTS:
        if variant.name == name:
            return variant
    raise KeyError(f"no variant {name!r}; the ladder is {[v.name for v in ABLATION_VARIANTS]}")


__all__ = ["Variant", "ABLATION_VARIANTS", "AblationRecipe", "ABLATION_RECIPE", "AblationModel",
           "train_variant", "train_heads", "HEADS", "summarise", "variant_named"]
