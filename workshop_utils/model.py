"""A small GPT in the style of nanoGPT, with GPT-2 parameter names so weights map 1:1.

Two attention paths compute the same thing: a fast one (F.scaled_dot_product_attention) and a
readable one that spells out softmax(Q K^T / sqrt(d_k) + mask) V and can return the weights.
"""
from __future__ import annotations

import math
import operator
import warnings
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


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
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.dropout = config.dropout
        self.use_fast_path = True  # set False (or ask for weights) to run the readable path

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        B, T, C = x.shape  # batch, time, channels
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        weights = None
        if self.use_fast_path and not return_weights:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               dropout_p=self.dropout if self.training else 0.0)
        else:
            scores = q @ k.transpose(-2, -1) / math.sqrt(k.size(-1))  # (B, nh, T, T)
            future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            weights = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
            y = self.attn_dropout(weights) @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        y = self.resid_dropout(self.c_proj(y))
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

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        attended = self.attn(self.ln_1(x), return_weights=return_weights)
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

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                return_attention: bool = False):
        """Logits (B, T, vocab) and, given targets, the mean cross-entropy (ignore_index=-100).

        `idx` is an integer tensor of shape (batch, time): a list of ids or a 1-D tensor is a
        clear error (use torch.tensor([ids]) or ids.unsqueeze(0)); generate() takes both.

        With return_attention=True, also a list with one (B, nh, T, T) weight tensor per layer.
        """
        self.check_token_ids(idx)
        B, T = idx.shape
        positions = torch.arange(T, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(positions))  # (B, T, C)
        attention = []
        for block in self.transformer.h:
            if return_attention:
                x, weights = block(x, return_weights=True)
                attention.append(weights)
            else:
                x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=-100)
        if return_attention:
            return logits, loss, attention
        return logits, loss


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


# --- sampling and generation (../shared/SPECS.md "Sampling") ---

def _check_sampling_options(temperature: float, top_k: int | None, top_p: float | None,
                            greedy: bool = False) -> int | None:
    """Refuse bad options with what to pass instead; returns top_k as a plain int (or None).

    With greedy=True the temperature is not used, so any value (0 included) is accepted.
    """
    if not greedy and not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}; use greedy=True for "
                         "deterministic decoding (always the most likely token)")
    if top_k is not None and (plain_int(top_k) is None or top_k < 1):
        raise ValueError(f"top_k must be a positive integer (or None to keep every token), got {top_k!r}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1] (or None to switch it off), got {top_p}; "
                         "0.9 keeps the tokens that make up 90% of the probability")
    return None if top_k is None else plain_int(top_k)


def sampling_probabilities(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                           top_p: float | None = None) -> torch.Tensor:
    """Next-token probabilities over the last dimension of `logits`, as Hugging Face's processors.

    Order: divide by temperature, keep the top_k largest logits (ties with the k-th kept), keep
    the smallest most-likely prefix whose mass reaches top_p (the token that crosses top_p and
    the top token always kept), then softmax. Removed tokens get probability exactly 0.
    Temperature 0 is refused (it would divide by zero): for the most likely token take
    logits.argmax(-1), or generate(..., greedy=True).
    """
    top_k = _check_sampling_options(temperature, top_k, top_p)
    logits = logits.float() / temperature
    if top_k is not None and top_k < logits.size(-1):
        kth_largest = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth_largest, float("-inf"))
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        sorted_probs = sorted_logits.softmax(dim=-1)
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs  # mass of the tokens ranked above
        drop_sorted = mass_before >= top_p  # never true for the top token (mass_before = 0)
        drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
        logits = logits.masked_fill(drop, float("-inf"))
    return logits.softmax(dim=-1)


def generate(model: GPT, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None, greedy: bool = False,
             stop_token: int | None = None, generator: torch.Generator | None = None,
             use_cache: bool = False) -> torch.Tensor:
    """Append up to `max_new_tokens` tokens to the prompt `idx` (batch, time) or (time,).

    `idx` may also be a plain list of ids (tokenizer.encode(text).ids), taken as one sequence.
    Returns the prompt followed by the new tokens, same number of dimensions as `idx` (a list
    gives a 1-D tensor, as a 1-D tensor does).
    greedy=True takes the most likely token (temperature is then ignored, so 0 is fine);
    otherwise tokens are drawn from sampling_probabilities(...) with `generator` (a seeded
    torch.Generator repeats exactly).
    A prompt longer than the context is cropped to its last block_size tokens with a
    `warnings.warn` UserWarning (the returned tensor still starts with the whole prompt).
    Generation stops once every sequence has produced `stop_token` (kept in the output; a
    finished row is padded with stop_token). Runs in eval mode, restoring the mode after.
    use_cache=True keeps each layer's keys and values (KVCache): the same tokens, faster.
    """
    top_k = _check_sampling_options(temperature, top_k, top_p, greedy)
    if plain_int(max_new_tokens) is None or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
    max_new_tokens = plain_int(max_new_tokens)
    vocab_size, block_size = model.config.vocab_size, model.config.block_size
    if stop_token is not None and not 0 <= stop_token < vocab_size:
        raise ValueError(f"stop_token must be a token id in [0, {vocab_size}), got {stop_token}")
    idx = _prompt_tensor(model, idx)
    squeeze = idx.dim() == 1
    idx = idx.unsqueeze(0) if squeeze else idx
    if idx.dim() != 2 or idx.size(1) == 0:
        raise ValueError(f"prompt must have shape (time,) or (batch, time) with at least one "
                         f"token, got {tuple(idx.shape)}; start from a <BOS> token if you have none")
    for start in range(0, idx.size(1), block_size):  # ids in range, all of the prompt
        model.check_token_ids(idx[:, start:start + block_size])
    if idx.size(1) > block_size:
        warnings.warn(f"the prompt has {idx.size(1)} tokens but the model sees at most {block_size}; "
                      f"only its last {block_size} tokens are used", UserWarning, stacklevel=2)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            idx = _sample_tokens(model, idx, max_new_tokens, temperature, top_k, top_p, greedy,
                                 stop_token, generator, use_cache)
    finally:
        model.train(was_training)
    return idx.squeeze(0) if squeeze else idx


def _prompt_tensor(model: GPT, idx) -> torch.Tensor:
    """The prompt as a tensor: a list (or tuple) of ids becomes a LongTensor on the model's device."""
    if isinstance(idx, torch.Tensor):
        return idx
    if isinstance(idx, str):
        raise TypeError("generate takes token ids, not text; encode the text first, e.g. "
                        "generate(model, tokenizer.encode(text).ids, ...)")
    if hasattr(idx, "ids"):  # a tokenizers Encoding
        raise TypeError(f"generate takes token ids, got a {type(idx).__name__}; pass its .ids, "
                        "e.g. tokenizer.encode(text).ids")
    if isinstance(idx, (list, tuple)):
        try:
            ids = torch.tensor(idx)
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(f"the prompt must be a list of integer token ids, got {idx!r:.60} "
                            f"({error})") from None
        if ids.numel() and (ids.dtype == torch.bool or ids.is_floating_point()):
            raise TypeError(f"token ids must be integers, got {idx!r:.60}")
        return ids.to(dtype=torch.long, device=next(model.parameters()).device)
    raise TypeError(f"the prompt must be a tensor or a list of token ids, got a {type(idx).__name__}; "
                    "e.g. torch.tensor(ids)")


def _sample_tokens(model: GPT, idx: torch.Tensor, max_new_tokens: int, temperature: float,
                   top_k: int | None, top_p: float | None, greedy: bool, stop_token: int | None,
                   generator: torch.Generator | None, use_cache: bool = False) -> torch.Tensor:
    """The decoding loop of generate() (arguments already checked)."""
    block_size = model.config.block_size
    finished = torch.zeros(idx.size(0), dtype=torch.bool, device=idx.device)
    cached_next_logits = _CachedNextLogits(model) if use_cache else None
    for _ in range(max_new_tokens):
        if cached_next_logits is not None:
            logits = cached_next_logits(idx)
        else:
            logits, _ = model(idx[:, -block_size:])
            logits = logits[:, -1, :]  # (B, vocab): the prediction after the last token
        if greedy:
            next_token = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = sampling_probabilities(logits, temperature, top_k, top_p)
            if generator is not None:
                probs = probs.to(generator.device)
            next_token = torch.multinomial(probs, 1, generator=generator).to(idx.device)
        if stop_token is not None:
            next_token = next_token.masked_fill(finished.unsqueeze(1), stop_token)
            finished |= next_token.squeeze(1) == stop_token
        idx = torch.cat([idx, next_token], dim=1)  # (B, T + 1)
        if stop_token is not None and bool(finished.all()):
            break
    return idx


# --- key/value cache for fast generation (notebook 13) ---

class KVCache:
    """Keys and values of every layer for the tokens processed so far: (B, nh, T, hs) each.

    Generating token t+1 then needs attention of ONE new query over the cached keys, instead of
    recomputing keys and values for the whole prefix at every step.
    """

    def __init__(self, n_layer: int):
        self.keys: list[torch.Tensor | None] = [None] * n_layer
        self.values: list[torch.Tensor | None] = [None] * n_layer

    @property
    def length(self) -> int:
        return 0 if self.keys[0] is None else self.keys[0].size(2)

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.keys[layer] is not None:
            k = torch.cat([self.keys[layer], k], dim=2)  # (B, nh, past + T, hs)
            v = torch.cat([self.values[layer], v], dim=2)
        self.keys[layer], self.values[layer] = k, v
        return k, v


def _cached_attention(attn: CausalSelfAttention, x: torch.Tensor, cache: KVCache, layer: int) -> torch.Tensor:
    B, T, C = x.shape
    past = 0 if cache.keys[layer] is None else cache.keys[layer].size(2)  # this layer's cached tokens
    q, k, v = attn.c_attn(x).split(attn.n_embd, dim=2)
    q, k, v = (t.view(B, T, attn.n_head, C // attn.n_head).transpose(1, 2) for t in (q, k, v))
    k, v = cache.append(layer, k, v)  # (B, nh, past + T, hs)
    if T == 1:  # one query sees every cached key; is_causal=True here would keep key 0 only
        y = F.scaled_dot_product_attention(q, k, v)
    else:  # new query i may see the past and new keys up to itself
        allowed = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(past)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    return attn.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


def forward_with_cache(model: GPT, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """Logits (B, T, vocab) for new tokens `idx` that follow the cache's tokens; fills the cache."""
    past, T = cache.length, idx.size(1)
    if past + T > model.config.block_size:
        raise ValueError(f"{past} cached + {T} new tokens exceed the context of "
                         f"{model.config.block_size}; start a new KVCache with the last tokens")
    positions = torch.arange(past, past + T, device=idx.device)
    x = model.transformer.wte(idx) + model.transformer.wpe(positions)  # (B, T, C)
    for layer, block in enumerate(model.transformer.h):
        x = x + _cached_attention(block.attn, block.ln_1(x), cache, layer)
        x = x + block.mlp(block.ln_2(x))
    return model.lm_head(model.transformer.ln_f(x))


class _CachedNextLogits:
    """next-token logits for a growing sequence, feeding only the tokens not seen yet.

    Once the sequence is longer than the context the window slides and every position
    changes, so (exactly like generation without a cache) the window is recomputed.
    """

    def __init__(self, model: GPT):
        self.model, self.cache, self.seen = model, None, 0

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        block_size = self.model.config.block_size
        if self.cache is not None and self.seen < idx.size(1) <= block_size:
            new = idx[:, self.seen:]
        else:
            self.cache, new = KVCache(self.model.config.n_layer), idx[:, -block_size:]
        self.seen = idx.size(1)
        return forward_with_cache(self.model, new, self.cache)[:, -1, :]
