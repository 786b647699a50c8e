"""A small GPT in the style of nanoGPT, with GPT-2 parameter names so weights map 1:1 (notebook 07).

Attention is attention.attend: torch's fused kernel when only the output is needed, else the
readable softmax(Q K^T / sqrt(d_k) + mask) V of notebook 06, which also returns the weights.
The embedding step (tokens + positions) is GPT.embed and the stack of blocks GPT.hidden_states:
forward, the key/value-cache forward of generation.py and the classifier all go through them.
Sampling and generation live in generation.py; parameter counting (notebook 07) at the end here.
"""
from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import attend, causal_mask, merge_heads, split_heads


def plain_int(value) -> int | None:
    """`value` as a plain Python int if it is an integer (numpy's np.int64 too), else None.

    bool is not taken for an integer, nor is a float such as 4.0.
    """
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


@dataclass
class GPTConfig:
    block_size: int = 128  # longest context the model can see
    vocab_size: int = 1024
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True  # biases in Linear and LayerNorm layers, as GPT-2

    def __post_init__(self) -> None:
        for name in ("block_size", "vocab_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if plain_int(value) is None or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            setattr(self, name, plain_int(value))  # np.int64(4) -> 4, so the config saves as JSON
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head}) "
                             f"so every head gets n_embd // n_head dimensions; try n_head="
                             f"{[h for h in range(1, self.n_head + 1) if self.n_embd % h == 0][-1]}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict:
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.dropout = config.dropout
        self.use_fast_path = True  # set False (or ask for weights) to run the readable path

    def heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """q, k, v of shape (B, nh, T, hs) from x (B, T, C): one fused projection, then split."""
        return tuple(split_heads(t, self.n_head) for t in self.c_attn(x).split(self.n_embd, dim=2))

    def forward(self, x: torch.Tensor, return_weights: bool = False, cache=None, layer: int = 0,
                causal: bool = True):
        """Attention output (B, T, C), and the weights (B, nh, T, S) with return_weights=True.

        cache (generation.KVCache): keys and values of earlier tokens; the new tokens' are
        appended, and new query i sees the past and the new keys up to itself.
        causal=False only serves attention maps "as if the mask were off" (GPT.attention_maps).
        """
        q, k, v = self.heads(x)
        mask = None
        if cache is not None:
            past = cache.past_length(layer)
            k, v = cache.append(layer, k, v)  # (B, nh, past + T, hs)
            T = q.size(2)
            causal = False  # a single new query sees every cached key: no mask at all
            mask = None if T == 1 else causal_mask(T, past + T, x.device, offset=past)
        y, weights = attend(q, k, v, mask=mask, causal=causal, fast=self.use_fast_path,
                            dropout_p=self.dropout if self.training else 0.0, need_weights=return_weights)
        y = self.resid_dropout(self.c_proj(merge_heads(y)))  # heads side by side again, then mixed
        return (y, weights) if return_weights else y


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-norm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, return_weights: bool = False, cache=None, layer: int = 0):
        attended = self.attn(self.ln_1(x), return_weights=return_weights, cache=cache, layer=layer)
        if return_weights:
            attended, weights = attended
        x = x + attended
        x = x + self.mlp(self.ln_2(x))
        return (x, weights) if return_weights else x


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embeddings
            wpe=nn.Embedding(config.block_size, config.n_embd),  # learned position embeddings
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying, as GPT-2
        self.apply(self._init_weights)
        for name, parameter in self.named_parameters():  # GPT-2's scaled init of residual outputs
            if name.endswith("c_proj.weight"):
                nn.init.normal_(parameter, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self, exclude_position_embeddings: bool = False) -> int:
        """Parameters counted once (the tied embedding/head matrix once)."""
        total = sum(p.numel() for p in self.parameters())
        return total - (self.transformer.wpe.weight.numel() if exclude_position_embeddings else 0)

    def check_token_ids(self, idx: torch.Tensor) -> None:
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"token ids must be a torch tensor of shape (batch, time), got a "
                            f"{type(idx).__name__}; wrap a list of ids as torch.tensor([ids])")
        if idx.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"token ids must be an integer tensor, got {idx.dtype}")
        if idx.dim() != 2:
            raise ValueError(f"token ids must have shape (batch, time), got {tuple(idx.shape)}; "
                             "add a batch dimension with ids.unsqueeze(0)")
        if idx.size(1) > self.config.block_size:
            raise ValueError(f"sequence of {idx.size(1)} tokens is longer than the context of "
                             f"{self.config.block_size}; crop it to the last block_size tokens")
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= self.config.vocab_size):
            raise ValueError(f"token ids must be in [0, {self.config.vocab_size}), got values from "
                             f"{int(idx.min())} to {int(idx.max())}; was the text encoded with "
                             "this model's tokenizer?")

    def embed(self, idx: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Token embeddings + position embeddings of positions start.., then dropout: (B, T, C)."""
        positions = torch.arange(start, start + idx.size(1), device=idx.device)
        return self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(positions))

    def hidden_states(self, idx: torch.Tensor | None = None, x: torch.Tensor | None = None,
                      first: int = 0, last: int | None = None, cache=None,
                      attention: list | None = None) -> torch.Tensor:
        """The residual stream (B, T, C) after blocks first..last-1 (default: all), before ln_f.

        Starts from embed(idx) or, given x, from those states (the output of block first - 1).
        cache: a generation.KVCache holding earlier tokens (idx are the tokens that follow them).
        attention: a list that receives each block's (B, nh, T, T) weights (the readable path).
        """
        if x is None:
            past = 0 if cache is None else cache.length
            if cache is None:
                self.check_token_ids(idx)
            elif past + idx.size(1) > self.config.block_size:
                raise ValueError(f"{past} cached + {idx.size(1)} new tokens exceed the context of "
                                 f"{self.config.block_size}; start a new KVCache with the last tokens")
            x = self.embed(idx, start=past)
        blocks = self.transformer.h
        for layer in range(first, len(blocks) if last is None else last):
            if attention is not None:
                x, weights = blocks[layer](x, return_weights=True, cache=cache, layer=layer)
                attention.append(weights)
            else:
                x = blocks[layer](x, cache=cache, layer=layer)
        return x

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                return_attention: bool = False, cache=None):
        """Logits (B, T, vocab) and, given targets, the mean cross-entropy (ignore_index=-100).

        `idx` is an integer tensor of shape (batch, time): a list of ids or a 1-D tensor is a
        clear error (use torch.tensor([ids]) or ids.unsqueeze(0)); generate() takes both.
        With return_attention=True, also a list with one (B, nh, T, T) weight tensor per layer.
        cache: see hidden_states (generation.forward_with_cache passes one).
        """
        attention = [] if return_attention else None
        x = self.hidden_states(idx, cache=cache, attention=attention)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=-100)
        if return_attention:
            return logits, loss, attention
        return logits, loss

    @torch.no_grad()
    def attention_maps(self, idx: torch.Tensor, causal: bool = True) -> list[torch.Tensor]:
        """Attention weights (B, nh, T, T) of every layer for token ids (B, T) (notebook 06).

        The model runs as trained (causal); causal=False shows, at every layer, what its queries
        and keys would give without the mask (what a query would look at if it could see ahead).
        """
        if causal:
            return self(idx, return_attention=True)[2]
        self.check_token_ids(idx)
        maps, x = [], self.embed(idx)
        for block in self.transformer.h:
            maps.append(block.attn(block.ln_1(x), return_weights=True, causal=False)[1])
            x = block(x)
        return maps


@torch.no_grad()
def residual_stream_std(model: GPT, idx: torch.Tensor) -> dict[str, list[float]]:
    """How large the signal is along a pre-norm GPT, from one forward pass over token ids (B, T).

    Each value is a per-token standard deviation over the C features, averaged over the tokens:
    "residual": the residual stream after the embeddings and after each block (never normalised);
    "ln_1", "ln_2": each block's layer-norm outputs, after the learned scale and shift;
    "normalised": the same layer norms before scale and shift (1 by construction), ln_1, ln_2 per block.
    Put the model in eval mode first (dropout would change the numbers).
    """
    def std(tensor: torch.Tensor) -> float:
        return tensor.std(dim=-1, unbiased=False).mean().item()

    stats = {"residual": [std(model.embed(idx))], "ln_1": [], "ln_2": [], "normalised": []}

    def record(key: str):
        def hook(module, inputs, output):
            stats[key].append(std(output))
            if key != "residual":
                stats["normalised"].append(std(F.layer_norm(inputs[0], inputs[0].shape[-1:])))
        return hook

    hooks = [module.register_forward_hook(record(key)) for block in model.transformer.h
             for key, module in (("ln_1", block.ln_1), ("ln_2", block.ln_2), ("residual", block))]
    try:
        model.hidden_states(idx)
    finally:
        for hook in hooks:
            hook.remove()
    return stats


# --- parameter counting (notebook 07) ---

def gpt_parameter_count(n_layer: int, n_embd: int, vocab_size: int, block_size: int,
                        bias: bool = True) -> int:
    """Closed formula for this GPT (GPT-2/GPT-3 layout, tied head, learned positions).

    Per block: attention 4 C^2 (q, k, v, output) + MLP 8 C^2 (C -> 4C -> C) = 12 C^2, plus
    13 C biases and layer-norm parameters (or 2 C layer-norm weights without biases).
    """
    per_block = 12 * n_embd**2 + (13 * n_embd if bias else 2 * n_embd)
    final_norm = 2 * n_embd if bias else n_embd
    return n_layer * per_block + vocab_size * n_embd + block_size * n_embd + final_norm


def count_parameters_formula(config: GPTConfig) -> int:
    """What GPT(config).num_parameters() should be, from the formula alone."""
    return gpt_parameter_count(config.n_layer, config.n_embd, config.vocab_size,
                               config.block_size, config.bias)


def llama_parameter_count(n_layer: int, d_model: int, ffn_dim: int, vocab_size: int,
                          n_heads: int, n_kv_heads: int, head_dim: int) -> int:
    """Llama layout: no biases, RMSNorm (one weight vector), grouped-query attention (k and v
    have n_kv_heads heads), SwiGLU MLP (three matrices), rotary positions (no parameters),
    untied input embedding and output head."""
    attention = d_model * n_heads * head_dim * 2 + d_model * n_kv_heads * head_dim * 2  # q, o; k, v
    per_block = attention + 3 * d_model * ffn_dim + 2 * d_model
    return n_layer * per_block + 2 * vocab_size * d_model + d_model


BYTES_PER_PARAMETER = {"fp32": 4, "bf16": 2, "int8": 1}


def published_model_sizes() -> list[dict]:
    """GPT-2 small, GPT-3 175B and Llama 3 405B from their published configurations."""
    gpt3 = gpt_parameter_count(96, 12288, 50257, 2048)
    return [
        dict(name="GPT-2 124M", parameters=gpt_parameter_count(12, 768, 50257, 1024),
             source="Radford et al. 2019; Hugging Face gpt2 config (12 layers, 768, ctx 1024)",
             architecture="same as this GPT"),
        dict(name="GPT-3 175B", parameters=gpt3, slide_disk_gb=350,
             source="Brown et al. 2020, Table 2.1 (96 layers, d_model 12288, ctx 2048)",
             architecture="same as this GPT (GPT-3 also alternates sparse attention: no extra weights)"),
        dict(name="Llama 3 405B", parameters=llama_parameter_count(126, 16384, 53248, 128256, 128, 8, 128),
             slide_disk_gb=2000,
             source="Dubey et al. 2024 (The Llama 3 Herd of Models), Table 3",
             architecture="different: RMSNorm, grouped-query attention, SwiGLU, RoPE, untied head"),
    ]


def weight_memory_gb(num_parameters: int) -> dict[str, float]:
    """Bytes to hold the weights alone, in GB (10^9 bytes), at fp32, bf16 and int8."""
    return {dtype: num_parameters * size / 1e9 for dtype, size in BYTES_PER_PARAMETER.items()}
