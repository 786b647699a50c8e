"""Attention and positional encoding, written to match ../shared/SPECS.md (notebooks 05 and 06).

Positions (05): the sinusoids, RoPE's rotation and the similarity of position vectors. Attention
(06): masks, scores, heads, the GPT's fused q/k/v projection, RNN vs self-attention costs.

softmax(Q K^T / sqrt(d_k) + mask) V is written once, in scaled_dot_product_attention; `attend`
picks between it and torch's fused kernel, and everything that attends (the GPT of model.py,
its key/value cache, MultiHeadAttention, the encoder-decoder toy) goes through `attend`.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """Sinusoidal positions (length, d_model): sin in even columns, cos in odd ones.

    PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
    """
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive integer, got {length!r}")
    if not isinstance(d_model, int) or d_model < 2 or d_model % 2:
        raise ValueError(f"d_model must be an even integer >= 2, got {d_model!r}")
    position = torch.arange(length, dtype=torch.float64).unsqueeze(1)  # (length, 1)
    angle = position * rotation_frequencies(d_model)  # (length, d_model / 2)
    encoding = torch.zeros(length, d_model, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angle)
    encoding[:, 1::2] = torch.cos(angle)
    return encoding.float()


def rotation_frequencies(d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The angle per position of each feature pair i: 1 / base^(2i / d_model), float64 (d_model / 2,)."""
    return 1.0 / torch.pow(base, torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)


def rotary_embedding(x: torch.Tensor, positions, base: float = 10000.0) -> torch.Tensor:
    """RoPE (Su et al., 2021): turn each feature pair (2i, 2i+1) of x (..., d) by position * freq_i.

    `positions` is one number or one per row of x (..., T, d). Queries and keys turned so give
    dot products that depend on their positions only through the offset m - n. Turning a
    sinusoidal encoding by -offset gives the encoding `offset` positions later.
    """
    if x.size(-1) % 2:
        raise ValueError(f"RoPE turns pairs of features: the last size must be even, got {x.size(-1)}")
    positions = torch.as_tensor(positions, dtype=torch.float64, device=x.device)
    angle = (positions.unsqueeze(-1) * rotation_frequencies(x.size(-1), base).to(x.device)).to(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    turned = torch.empty_like(x)
    turned[..., 0::2] = even * angle.cos() - odd * angle.sin()
    turned[..., 1::2] = even * angle.sin() + odd * angle.cos()
    return turned


def position_similarity(table: torch.Tensor) -> torch.Tensor:
    """Cosine similarity (P, P) between the position vectors of a (P, d) table (wpe or sinusoids)."""
    unit = F.normalize(table.detach().float(), dim=-1)
    return unit @ unit.T


def similarity_by_offset(similarity: torch.Tensor) -> torch.Tensor:
    """(P,): the mean similarity of position pairs `offset` apart, for offset 0 .. P - 1."""
    return torch.stack([similarity.diagonal(offset).mean() for offset in range(similarity.size(0))])


# --- scaled dot-product attention and masks (notebook 06) ---

def causal_mask(length: int, key_length: int | None = None, device=None, offset: int = 0) -> torch.Tensor:
    """Boolean (length, key_length) mask, True where a query may attend: ones(L, S).tril(offset).

    Query i sees keys 0..i + offset. offset 0 is torch's is_causal=True convention; with a key/value
    cache of `past` earlier tokens the new queries are tokens past.., so offset=past.
    """
    key_length = length if key_length is None else key_length
    if length < 1 or key_length < 1:
        raise ValueError(f"mask sizes must be positive, got {length} x {key_length}")
    return torch.ones(length, key_length, dtype=torch.bool, device=device).tril(offset)


def scaled_dot_product_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                                 mask: torch.Tensor | None = None, causal: bool = False,
                                 dropout_p: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q K^T / sqrt(d_k) + mask) V for query (..., L, E), key (..., S, E), value (..., S, Ev).

    Returns (output (..., L, Ev), weights (..., L, S)). A boolean mask means True = may attend
    (False becomes -inf); a float mask is added to the scores; causal=True also applies
    causal_mask(L, S). dropout_p > 0 drops weights before they mix the values (training only:
    pass 0 in evaluation); the weights returned are the ones before dropout. Same conventions
    as torch.nn.functional.scaled_dot_product_attention.
    """
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ValueError("query, key and value need at least 2 dimensions: (..., tokens, features)")
    if query.size(-1) != key.size(-1):
        raise ValueError(f"query and key must have the same feature size d_k, got "
                         f"{query.size(-1)} and {key.size(-1)}")
    if key.size(-2) != value.size(-2):
        raise ValueError(f"key and value must have the same number of tokens, got "
                         f"{key.size(-2)} and {value.size(-2)}")
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))  # (..., L, S)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    if causal:
        scores = scores.masked_fill(~causal_mask(scores.size(-2), scores.size(-1), scores.device),
                                    float("-inf"))
    weights = scores.softmax(dim=-1)  # each row sums to 1 (a fully masked row gives NaN)
    mixing = F.dropout(weights, dropout_p) if dropout_p > 0 else weights
    return mixing @ value, weights


def attend(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, mask: torch.Tensor | None = None,
           causal: bool = False, dropout_p: float = 0.0, fast: bool = True,
           need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(output, weights or None): scaled_dot_product_attention, or torch's fused kernel for speed.

    fast=True and need_weights=False run F.scaled_dot_product_attention (the same numbers up to
    rounding, no (L, S) weight matrix kept); otherwise the readable function above runs and
    its weights come back. `mask` is boolean (True = may attend) or additive, as above.
    """
    if fast and not need_weights:
        if causal and mask is not None:  # torch takes one or the other: fold the causal part in
            allowed = causal_mask(query.size(-2), key.size(-2), query.device)
            mask = mask & allowed if mask.dtype == torch.bool else mask.masked_fill(~allowed, float("-inf"))
            causal = False
        return F.scaled_dot_product_attention(query, key, value, attn_mask=mask, is_causal=causal,
                                              dropout_p=dropout_p), None
    return scaled_dot_product_attention(query, key, value, mask=mask, causal=causal, dropout_p=dropout_p)


SLIDE_SCORES = [[0.4, 0.1, 0.2], [0.6, 0.8, 0.1], [0.7, 0.9, 0.3]]  # the masked-attention slide


def masked_scores_example(scores=SLIDE_SCORES) -> dict[str, torch.Tensor]:
    """The slide's example: scores + (0 on and below the diagonal, -inf above) -> softmax."""
    scores = torch.as_tensor(scores, dtype=torch.float32)
    n = scores.size(0)
    additive_mask = torch.zeros(n, n).masked_fill(~causal_mask(n), float("-inf"))
    masked = scores + additive_mask
    return {"scores": scores, "mask": additive_mask, "masked_scores": masked,
            "weights": masked.softmax(dim=-1)}


def score_statistics(d_k_values: list[int], n_keys: int = 16, n_samples: int = 2000,
                     seed: int = 0) -> dict[str, list[float]]:
    """Why divide by sqrt(d_k): with unit-variance q and k, q . k has variance d_k.

    For each d_k: variance of the raw and scaled scores, and the mean largest softmax weight
    over `n_keys` keys (1.0 = saturated: one key takes everything, gradients vanish).
    """
    generator = torch.Generator().manual_seed(seed)
    stats = {"d_k": list(d_k_values), "variance_raw": [], "variance_scaled": [],
             "max_weight_raw": [], "max_weight_scaled": []}
    for d_k in d_k_values:
        q = torch.randn(n_samples, 1, d_k, generator=generator)
        k = torch.randn(n_samples, n_keys, d_k, generator=generator)
        raw = (q * k).sum(-1)  # (n_samples, n_keys) dot products
        for name, scores in (("raw", raw), ("scaled", raw / math.sqrt(d_k))):
            stats[f"variance_{name}"].append(scores.var().item())
            stats[f"max_weight_{name}"].append(scores.softmax(-1).max(-1).values.mean().item())
    return stats


# --- the GPT's attention read apart, and why transformers replaced RNNs (notebook 06) ---

def qkv_linears(c_attn: nn.Linear) -> tuple[nn.Linear, nn.Linear, nn.Linear]:
    """Three nn.Linear(C, C) holding the query, key and value blocks of a fused (C -> 3C) c_attn."""
    C = c_attn.in_features
    if c_attn.out_features != 3 * C:
        raise ValueError(f"a fused q/k/v projection maps C to 3C features, got {C} -> {c_attn.out_features}")
    parts = []
    for block in range(3):
        part = nn.Linear(C, C, bias=c_attn.bias is not None).to(c_attn.weight.device, c_attn.weight.dtype)
        with torch.no_grad():
            part.weight.copy_(c_attn.weight[block * C:(block + 1) * C])  # rows = output features
            if c_attn.bias is not None:
                part.bias.copy_(c_attn.bias[block * C:(block + 1) * C])
        parts.append(part)
    return tuple(parts)


def head_focus(weights: torch.Tensor) -> dict[str, torch.Tensor]:
    """Where each head of causal weights (nh, T, T) looks: the mean weight a query puts on the
    previous token, on itself and on the first token, and `chance`, what a head spreading its
    weight evenly over the visible tokens puts on one of them (the mean of 1/(t+1), t >= 1)."""
    T = weights.size(-1)
    if T < 2:
        raise ValueError("head_focus needs at least 2 tokens")
    return {"previous": weights.diagonal(-1, -2, -1).mean(-1),
            "self": weights[..., 1:, 1:].diagonal(0, -2, -1).mean(-1),
            "first": weights[..., 1:, 0].mean(-1),
            "chance": torch.tensor(sum(1 / (t + 1) for t in range(1, T)) / (T - 1))}


def sequence_layer_costs(n: int, d: int) -> dict[str, dict[str, int]]:
    """Vaswani et al. (2017), Table 1, for n tokens of d features, leading terms, constants dropped:
    operations per layer (n d^2 recurrent vs n^2 d self-attention), steps that must run one
    after another (n vs 1) and the longest path a signal travels between two positions (n vs 1)."""
    if n < 1 or d < 1:
        raise ValueError(f"n and d must be positive, got n={n}, d={d}")
    return {"recurrent": {"operations": n * d * d, "sequential_steps": n, "path_length": n},
            "self-attention": {"operations": n * n * d, "sequential_steps": 1, "path_length": 1}}


# --- multi-head attention (notebook 06) ---

def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """(B, T, C) -> (B, n_head, T, C // n_head): each head gets its own slice of the features."""
    B, T, C = x.shape
    if C % n_head:
        raise ValueError(f"feature size {C} must be divisible by n_head={n_head}")
    return x.view(B, T, n_head, C // n_head).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, n_head, T, hs) -> (B, T, n_head * hs): the heads' outputs side by side again."""
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)


class MultiHeadAttention(nn.Module):
    """Multi-head attention from scratch: project, split, attend per head, concatenate, project.

    Self-attention: mha(x). Cross-attention: mha(decoder_states, encoder_states) (keys and
    values from the second argument). Returns (output (B, L, C), per-head weights (B, nh, L, S)).
    """

    def __init__(self, d_model: int, n_head: int, bias: bool = True):
        super().__init__()
        if d_model % n_head:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_head ({n_head}) so "
                             "every head gets d_model // n_head dimensions")
        self.n_head = n_head
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, query: torch.Tensor, key_value: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, causal: bool = False):
        key_value = query if key_value is None else key_value
        q = split_heads(self.q_proj(query), self.n_head)  # (B, nh, L, hs)
        k = split_heads(self.k_proj(key_value), self.n_head)  # (B, nh, S, hs)
        v = split_heads(self.v_proj(key_value), self.n_head)  # (B, nh, S, hs)
        out, weights = attend(q, k, v, mask=mask, causal=causal, need_weights=True)
        return self.out_proj(merge_heads(out)), weights

    @classmethod
    def from_torch(cls, torch_mha: nn.MultiheadAttention) -> "MultiHeadAttention":
        """A copy holding the weights of a torch nn.MultiheadAttention (same d_model and heads)."""
        bias = torch_mha.in_proj_bias is not None
        mha = cls(torch_mha.embed_dim, torch_mha.num_heads, bias=bias)
        if torch_mha.in_proj_weight is None:
            raise ValueError("only nn.MultiheadAttention with equal query/key/value sizes is supported")
        with torch.no_grad():
            for i, projection in enumerate((mha.q_proj, mha.k_proj, mha.v_proj)):
                projection.weight.copy_(torch_mha.in_proj_weight.chunk(3)[i])
                if bias:
                    projection.bias.copy_(torch_mha.in_proj_bias.chunk(3)[i])
            mha.out_proj.load_state_dict(torch_mha.out_proj.state_dict())
        return mha.to(torch_mha.in_proj_weight.dtype)


# --- cross-attention on a toy task: reverse a digit sequence (notebook 06) ---

def reversal_batch(batch_size: int, length: int = 6, vocab_size: int = 10,
                   generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Random digit sequences (B, length) and their reversals, the targets."""
    source = torch.randint(vocab_size, (batch_size, length), generator=generator)
    return source, source.flip(-1)


class TinyEncoderDecoder(nn.Module):
    """Encoder: embeddings + sinusoidal positions + one self-attention layer. Decoder: one
    learned query per output position that cross-attends to the encoder's states (keys and
    values), then a linear read-out. Non-autoregressive: a real decoder also feeds back its
    previous outputs through causal self-attention; left out so the alignment is all it learns.
    """

    def __init__(self, vocab_size: int = 10, length: int = 6, d_model: int = 32, n_head: int = 1):
        super().__init__()
        self.length = length
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positions", positional_encoding(length, d_model))
        self.encoder_attention = MultiHeadAttention(d_model, n_head)
        self.encoder_norm = nn.LayerNorm(d_model)
        self.queries = nn.Parameter(0.5 * torch.randn(length, d_model))  # decoder's questions
        self.cross_attention = MultiHeadAttention(d_model, n_head)
        self.readout = nn.Sequential(nn.LayerNorm(d_model), nn.Linear(d_model, vocab_size))

    def forward(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (B, length, vocab) and cross-attention weights (B, nh, length, length)."""
        if source.dim() != 2 or source.size(1) != self.length:
            raise ValueError(f"source must have shape (batch, {self.length}), got {tuple(source.shape)}")
        x = self.embed(source) + self.positions  # (B, L, d)
        attended, _ = self.encoder_attention(x)
        memory = self.encoder_norm(x + attended)  # encoder states: keys and values for the decoder
        queries = self.queries.expand(source.size(0), -1, -1)  # (B, L, d)
        decoded, cross_weights = self.cross_attention(queries, memory)
        return self.readout(decoded), cross_weights


def train_reverser(model: TinyEncoderDecoder, steps: int = 300, batch_size: int = 64,
                   lr: float = 3e-3, seed: int = 0, progress: bool = False) -> list[float]:
    """Train the toy model to reverse sequences with Adam; returns the loss of every step."""
    from tqdm.auto import trange

    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    vocab_size = model.embed.num_embeddings
    losses = []
    for _ in trange(steps, disable=not progress, desc="reversal"):
        source, target = reversal_batch(batch_size, model.length, vocab_size, generator)
        logits, _ = model(source)
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab_size), target.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def reversal_accuracy(model: TinyEncoderDecoder, n: int = 1000, seed: int = 1) -> float:
    """Fraction of output digits right on `n` fresh random sequences."""
    generator = torch.Generator().manual_seed(seed)
    source, target = reversal_batch(n, model.length, model.embed.num_embeddings, generator)
    with torch.no_grad():
        logits, _ = model(source)
    return (logits.argmax(-1) == target).float().mean().item()
