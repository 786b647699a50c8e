"""Induction heads (notebook 08): a head that finds the earlier occurrence of the current token and
copies what came after it, so a repeated sequence is predicted on its second pass.

Olsson et al. (2022), "In-context Learning and Induction Heads": for a repeated random sequence
[A B C ... | A B C ...], a model with induction heads predicts the second copy almost perfectly
while the first stays unpredictable. `repeated_sequences` makes such batches, `copy_losses`
measures both halves, `induction_scores` finds the heads that attend from each token of the second
copy to the token *after* its earlier occurrence, and `previous_token_scores` the heads that attend
to the token just before (the other half of the circuit: an induction head in a later layer reads
what a previous-token head in an earlier one wrote).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .model import GPT


def repeated_sequences(batch: int, length: int, vocab_size: int, generator: torch.Generator | None = None,
                       low: int = 0) -> torch.Tensor:
    """(batch, 2 * length) token ids: `length` random ids in [low, vocab_size), then the same again."""
    if length < 2 or not 0 <= low < vocab_size - 1:
        raise ValueError(f"need length >= 2 and 0 <= low < vocab_size - 1, got length={length}, low={low}")
    first = torch.randint(low, vocab_size, (batch, length), generator=generator)
    return torch.cat([first, first], dim=1)


@torch.no_grad()
def copy_losses(model: GPT, x: torch.Tensor) -> dict[str, float]:
    """Mean next-token loss (nats) on the first copy and on the second copy of `x` (B, 2L).

    First copy: the predictions of tokens 1..L-1 (nothing to copy yet). Second copy: of tokens
    L+1..2L-1, each of which appeared L positions earlier (token L, the first of the repeat, is left
    out: the model cannot know the repeat starts there).
    """
    length = x.size(1) // 2
    model.eval()
    logits, _ = model(x[:, :-1])
    losses = F.cross_entropy(logits.transpose(1, 2).float(), x[:, 1:], reduction="none")  # (B, 2L-1)
    return {"first": losses[:, :length - 1].mean().item(), "second": losses[:, length:].mean().item()}


def _per_head(maps: list[torch.Tensor], queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """(n_layer, n_head): mean attention weight from each query position to its key position."""
    return torch.stack([layer.mean(0)[:, queries, keys].mean(-1) for layer in maps])


@torch.no_grad()
def induction_scores(model: GPT, x: torch.Tensor) -> torch.Tensor:
    """(n_layer, n_head): attention from each token t of the second copy to t - L + 1, the token
    that followed the earlier occurrence of token t. 1 would be a perfect induction head."""
    length = x.size(1) // 2
    queries = torch.arange(length, 2 * length, device=x.device)
    return _per_head(model.attention_maps(x), queries, queries - length + 1)


@torch.no_grad()
def previous_token_scores(model: GPT, x: torch.Tensor) -> torch.Tensor:
    """(n_layer, n_head): mean attention from every token to the one just before it."""
    queries = torch.arange(1, x.size(1), device=x.device)
    return _per_head(model.attention_maps(x), queries, queries - 1)

