"""The modern (Llama-style) block next to our GPT-2 block, small enough to count (notebook 07).

What changes from model.Block, each from its paper:
- RMSNorm instead of LayerNorm: divide by the root mean square, no mean subtracted, no shift
  (Zhang & Sennrich 2019, "Root Mean Square Layer Normalization");
- a SwiGLU MLP: three matrices, one of them a gate, W2(SiLU(x W1) * x W3) (Shazeer 2020,
  "GLU Variants Improve Transformer");
- rotary positions on q and k instead of a learned wpe table (Su et al. 2021, RoFormer), with
  attention.rotary_embedding;
- grouped-query attention: fewer key/value heads than query heads (Ainslie et al. 2023, GQA);
- no biases anywhere, and an output head not tied to the embeddings (Touvron et al. 2023, Llama).
Parameter names follow Hugging Face's Llama (q_proj, gate_proj, ...). Attention itself is
attention.attend, written once.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import attend, merge_heads, rotary_embedding, split_heads


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * weight, over the last dimension: C parameters, no bias."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))  # the learned scale; there is no shift

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    """The gated MLP down(SiLU(gate(x)) * up(x)): three C x F matrices, no biases (Meta's w1, w3, w2)."""

    def __init__(self, dim: int, hidden_dim: int):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden_dim, bias=False)  # w1: through SiLU, then multiplies
        self.up_proj = nn.Linear(dim, hidden_dim, bias=False)    # w3: the value that is gated
        self.down_proj = nn.Linear(hidden_dim, dim, bias=False)  # w2: back to the residual width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def llama_ffn_dim(dim: int, multiple_of: int = 256, ffn_dim_multiplier: float | None = None) -> int:
    """Llama's SwiGLU width: 2/3 of 4 * dim (so three matrices cost about what two 4x ones do),
    optionally scaled, rounded up to a multiple of `multiple_of` (Meta's llama/model.py)."""
    hidden = int(2 * (4 * dim) / 3)
    if ffn_dim_multiplier is not None:
        hidden = int(ffn_dim_multiplier * hidden)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


class GroupedQueryAttention(nn.Module):
    """Causal self-attention with n_kv_heads key/value heads shared by n_heads query heads,
    rotary positions on q and k, and no biases."""

    def __init__(self, dim: int, n_heads: int, n_kv_heads: int):
        super().__init__()
        if dim % n_heads or n_heads % n_kv_heads:
            raise ValueError(f"need dim % n_heads == 0 and n_heads % n_kv_heads == 0, "
                             f"got dim={dim}, n_heads={n_heads}, n_kv_heads={n_kv_heads}")
        self.n_heads, self.n_kv_heads, self.head_dim = n_heads, n_kv_heads, dim // n_heads
        self.q_proj = nn.Linear(dim, n_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)  # smaller than q
        self.v_proj = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(n_heads * self.head_dim, dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(x.size(1), device=x.device)
        q = rotary_embedding(split_heads(self.q_proj(x), self.n_heads), positions)     # (B, nh, T, hs)
        k = rotary_embedding(split_heads(self.k_proj(x), self.n_kv_heads), positions)  # (B, nkv, T, hs)
        v = split_heads(self.v_proj(x), self.n_kv_heads)
        group = self.n_heads // self.n_kv_heads  # query heads per key/value head
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)   # (B, nh, T, hs)
        y, _ = attend(q, k, v, causal=True)
        return self.o_proj(merge_heads(y))


class ModernBlock(nn.Module):
    """Pre-norm Llama block: x + attention(RMSNorm(x)), then x + SwiGLU(RMSNorm(x))."""

    def __init__(self, dim: int, n_heads: int, n_kv_heads: int, hidden_dim: int):
        super().__init__()
        self.input_layernorm = RMSNorm(dim)
        self.self_attn = GroupedQueryAttention(dim, n_heads, n_kv_heads)
        self.post_attention_layernorm = RMSNorm(dim)
        self.mlp = SwiGLU(dim, hidden_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.input_layernorm(x))
        return x + self.mlp(self.post_attention_layernorm(x))
