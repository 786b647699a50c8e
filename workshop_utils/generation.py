"""Sampling, generation with or without a key/value cache, and prompt -> text (notebooks 07, 08, 13).

Every caller that turns a prompt into text (pretraining samples, instruction tuning's responses,
benchmark answers, the widgets) goes through complete_many (complete for one prompt); the app
streams with the same pick_next_token and KVCache. Sampling follows ../shared/SPECS.md "Sampling".
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import torch

from .model import GPT, plain_int


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


def pick_next_token(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                    top_p: float | None = None, greedy: bool = False,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """The next token (B, 1) from next-token logits (B, vocab): the most likely one (greedy), or a
    draw from sampling_probabilities with `generator` (drawn on the generator's device)."""
    if greedy:
        return logits.argmax(dim=-1, keepdim=True)
    probs = sampling_probabilities(logits, temperature, top_k, top_p)
    if generator is not None:
        probs = probs.to(generator.device)
    return torch.multinomial(probs, 1, generator=generator).to(logits.device)


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
        next_token = pick_next_token(logits, temperature, top_k, top_p, greedy, generator)
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
    recomputing keys and values for the whole prefix at every step. The model's attention
    (model.CausalSelfAttention) appends to it; see forward_with_cache.
    """

    def __init__(self, n_layer: int):
        self.keys: list[torch.Tensor | None] = [None] * n_layer
        self.values: list[torch.Tensor | None] = [None] * n_layer

    @property
    def length(self) -> int:
        return self.past_length(0)

    def past_length(self, layer: int) -> int:
        """Tokens this layer has cached (every layer has the same number between two calls)."""
        return 0 if self.keys[layer] is None else self.keys[layer].size(2)

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.keys[layer] is not None:
            k = torch.cat([self.keys[layer], k], dim=2)  # (B, nh, past + T, hs)
            v = torch.cat([self.values[layer], v], dim=2)
        self.keys[layer], self.values[layer] = k, v
        return k, v


def forward_with_cache(model: GPT, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """Logits (B, T, vocab) for new tokens `idx` that follow the cache's tokens; fills the cache."""
    return model(idx, cache=cache)[0]


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


# --- prompt -> text: the one function every caller uses ---

@dataclass(frozen=True)
class Completion:
    text: str  # the new text only (the prompt left out), cut before the stop token / stop text
    stopped: bool  # True when the stop token or stop text ended it (not the length limit)
    tokens: int  # new tokens generated (the stop token included)


def _prompt_ids(tokenizer, prompt) -> list[int]:
    """A prompt's ids: text is encoded (an empty text becomes <BOS>); a list of ids is kept."""
    if isinstance(prompt, str):
        encoded = tokenizer.encode(prompt)
        ids = list(encoded.ids) if hasattr(encoded, "ids") else list(encoded)
        return ids or [tokenizer.token_to_id("<BOS>")]
    return list(prompt)


def complete_many(model: GPT, tokenizer, prompts: Sequence, max_new_tokens: int = 60,
                  temperature: float = 0.8, top_k: int | None = None, top_p: float | None = None,
                  seed: int = 0, greedy: bool = False, stop_token: int | None = None,
                  stop_text: str | None = None, slide: bool = False) -> list[Completion]:
    """The model's continuation of each prompt (a text, or a list of token ids), with the KV cache.

    An answer (slide=False): a prompt keeps its last block_size - max_new_tokens tokens, so the
    whole answer is written in one context window (as instruction tuning trains it). A
    continuation (slide=True, what complete does): the whole prompt goes in and, once prompt and
    text outgrow the context, the window slides over the end (generate warns if the prompt alone
    is too long). Greedy prompts of one length run as a batch; sampled ones run one after
    the other from one generator seeded with `seed`, drawn on the CPU (the same text on a GPU).
    """
    if isinstance(prompts, str):
        raise TypeError("complete_many takes a list of prompts; for one text use complete(model, tokenizer, text)")
    block_size = model.config.block_size
    fits = plain_int(max_new_tokens) is not None and max_new_tokens < block_size
    keep = block_size - max_new_tokens if fits and not slide else None
    ids = [_prompt_ids(tokenizer, prompt)[-keep:] if keep else _prompt_ids(tokenizer, prompt) for prompt in prompts]
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    new: list[list[int] | None] = [None] * len(ids)
    groups = [[i for i, p in enumerate(ids) if len(p) == n] for n in sorted({len(p) for p in ids})] if greedy \
        else [[i] for i in range(len(ids))]
    for rows in groups:
        prompt = torch.tensor([ids[i] for i in rows], device=device)
        out = generate(model, prompt, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                       greedy=greedy, stop_token=stop_token, generator=generator, use_cache=True)
        for i, tokens in zip(rows, out[:, prompt.size(1):].tolist()):
            new[i] = tokens
    completions = []
    for tokens in new:
        count = len(tokens)
        stopped = stop_token is not None and stop_token in tokens
        if stopped:
            tokens = tokens[:tokens.index(stop_token)]
            count = len(tokens) + 1
        text = tokenizer.decode(tokens)
        if stop_text and stop_text in text:
            text, stopped = text[:text.index(stop_text)], True
        completions.append(Completion(text, stopped, count))
    return completions


def complete(model: GPT, tokenizer, prompt: str, max_new_tokens: int = 60, temperature: float = 0.8,
             top_k: int | None = None, top_p: float | None = None, seed: int = 0,
             greedy: bool = False, stop_token: int | None = None) -> str:
    """The model's continuation of `prompt` as text (seeded sampling; the window slides once the
    text outgrows the context: complete_many with slide=True)."""
    if not isinstance(prompt, str):
        raise TypeError(f"the prompt must be a str, got a {type(prompt).__name__}; for several "
                        "prompts use complete_many(model, tokenizer, prompts)")
    return complete_many(model, tokenizer, [prompt], max_new_tokens, temperature, top_k, top_p, seed,
                         greedy, stop_token, slide=True)[0].text


def temperature_variety(model: GPT, tokenizer, prompt: str, temperatures: Sequence[float],
                        vocabulary: set[str], samples: int = 8, max_new_tokens: int = 80,
                        n: int = 3) -> list[dict]:
    """What temperature does to text, measured: per temperature, `samples` seeded continuations of
    `prompt`, then the share of their word n-grams that are distinct (low: the text repeats
    itself) and of their words found in `vocabulary` (low: made-up words). Seeds 0..samples-1."""
    from .ngram import distinct_ngram_fraction, known_word_fraction, words_of

    if samples < 1 or not temperatures:
        raise ValueError(f"need samples >= 1 and at least one temperature, got {samples}, {temperatures}")
    rows = []
    for temperature in temperatures:
        texts = [complete(model, tokenizer, prompt, max_new_tokens, temperature=temperature, seed=seed)
                 for seed in range(samples)]
        distinct = [distinct_ngram_fraction(words_of(text), n) for text in texts]
        rows.append({"temperature": temperature, "distinct": sum(distinct) / samples,
                     "known_words": sum(known_word_fraction(t, vocabulary) for t in texts) / samples,
                     "sample": texts[0]})
    return rows
