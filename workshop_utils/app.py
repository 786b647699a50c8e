"""A small text-generation product: input checks, a prompt template, streamed output, stops.

The logic lives here, free of widgets, so tests drive it headless; workshop_utils.widgets
wraps it in an ipywidgets front end (prompt box, settings, Generate / Stop, streamed text).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import torch

from .generation import KVCache, forward_with_cache, pick_next_token

INCOMPLETE = "\ufffd"  # what decoding shows for the first bytes of a character split over tokens


@dataclass
class GenerationResult:
    text: str = ""  # what the model wrote (without the prompt)
    tokens: int = 0
    stopped_by: str = ""  # "end token", "stop sequence", "length", "user", or "invalid input"
    error: str | None = None  # the message shown instead of text when the input was refused
    prompt: str = ""  # the full text the model saw (template applied)
    chunks: list[str] = field(default_factory=list)  # the pieces as they were streamed


class TextGenerationApp:
    """Validate a prompt, fill the template, stream tokens until a stop condition.

    template: how the user's text is shown to the model, with "{prompt}" where it goes (for an
    instruction-tuned model: its instruction format). allowed_characters: the characters the
    model saw in training (others are refused with a message naming them); None allows all.
    answer_tokens: room always kept for the answer; a long prompt loses the START of the
    template to make room (as instruct.prompt_ids does in training), never the user's words.
    """

    def __init__(self, model, tokenizer, template: str = "{prompt}", stop_token: int | None = None,
                 stop_sequences: Sequence[str] = (), max_prompt_characters: int = 300,
                 allowed_characters: set[str] | str | None = None, max_new_tokens_limit: int = 200,
                 answer_tokens: int = 16):
        if "{prompt}" not in template:
            raise ValueError('the template must contain "{prompt}" where the user\'s text goes')
        self.model, self.tokenizer, self.template = model.eval(), tokenizer, template
        self.stop_token, self.stop_sequences = stop_token, tuple(stop_sequences)
        self.max_prompt_characters, self.max_new_tokens_limit = max_prompt_characters, max_new_tokens_limit
        self.allowed_characters = None if allowed_characters is None else set(allowed_characters) | {"\n"}
        self.answer_tokens = answer_tokens
        self.stop_requested = threading.Event()

    # --- input checks ----------------------------------------------------------------------
    def validate(self, prompt: str) -> str:
        """The prompt, stripped, or a ValueError that tells the user what to change."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("Please type a prompt first: it is empty.")
        prompt = prompt.strip()
        if len(prompt) > self.max_prompt_characters:
            raise ValueError(f"The prompt has {len(prompt)} characters; this model reads at most "
                             f"{self.max_prompt_characters}. Shorten it.")
        if self.allowed_characters is not None:
            unknown = sorted(set(prompt) - self.allowed_characters)
            if unknown:
                raise ValueError(f"The model never saw these characters in training: {' '.join(map(repr, unknown))}. "
                                 "Remove or replace them (it only knows Shakespeare's alphabet).")
        needed = len(self._encode(prompt + self.template.split("{prompt}", 1)[1])) + self.answer_tokens
        if needed > self.model.config.block_size:
            raise ValueError(f"The prompt needs {needed} tokens with the end of the template and room for "
                             f"the answer; the model's context is {self.model.config.block_size}. Shorten it.")
        return prompt

    def prompt_ids(self, prompt: str) -> list[int]:
        """Token ids of the templated prompt, cut from the left to leave room for the answer."""
        ids = self._encode(self.template.format(prompt=self.validate(prompt)))
        return ids[-(self.model.config.block_size - self.answer_tokens):]

    def _encode(self, text: str) -> list[int]:
        encoded = self.tokenizer.encode(text)
        return list(encoded.ids) if hasattr(encoded, "ids") else list(encoded)

    # --- generation ----------------------------------------------------------------------------
    def stream(self, prompt: str, max_new_tokens: int = 60, temperature: float = 0.8,
               top_k: int | None = 40, greedy: bool = False, seed: int = 0,
               result: GenerationResult | None = None) -> Iterator[str]:
        """Yield the new text piece by piece (a key/value cache makes each step cheap).

        Stops at the end token, a stop sequence, the length limit (max_new_tokens, and the
        context), or when stop() is called from elsewhere (the Stop button). Pieces are whole
        characters: a character split over byte-level tokens is held back until its last byte
        arrives (one left incomplete when generation stops is never shown).
        """
        result = result if result is not None else GenerationResult()
        prompt = self.validate(prompt)
        if not 1 <= max_new_tokens <= self.max_new_tokens_limit:
            raise ValueError(f"max_new_tokens must be between 1 and {self.max_new_tokens_limit}, got {max_new_tokens}")
        self.stop_requested.clear()
        result.prompt = self.template.format(prompt=prompt)
        ids = self.prompt_ids(prompt)
        device = next(self.model.parameters()).device
        generator = torch.Generator(device="cpu").manual_seed(seed)
        cache, new_ids = KVCache(self.model.config.n_layer), []
        budget = min(max_new_tokens, self.model.config.block_size - len(ids))
        step_input = torch.tensor([ids], device=device)
        result.stopped_by = "length"
        with torch.no_grad():
            while len(new_ids) < budget:
                if self.stop_requested.is_set():
                    result.stopped_by = "user"
                    break
                logits = forward_with_cache(self.model, step_input, cache)[:, -1].cpu()  # (1, vocab)
                token = int(pick_next_token(logits, temperature, top_k, greedy=greedy, generator=generator))
                if token == self.stop_token:
                    result.stopped_by = "end token"
                    break
                new_ids.append(token)
                text = self.tokenizer.decode(new_ids)  # all new ids: a split character decodes whole
                cut = min((text.find(s) for s in self.stop_sequences if s in text), default=-1)
                if cut >= 0:
                    text, result.stopped_by = text[:cut], "stop sequence"
                result.tokens = len(new_ids)
                if cut >= 0 or not text.endswith(INCOMPLETE):  # else wait for the character's rest
                    piece, result.text = text[len(result.text):], text
                    if piece:
                        result.chunks.append(piece)
                        yield piece
                if cut >= 0:
                    break
                step_input = torch.tensor([[token]], device=device)

    def run(self, prompt: str, **settings) -> GenerationResult:
        """Generate to the end; invalid input gives a result with `error` set (never raises)."""
        result = GenerationResult()
        try:
            for _ in self.stream(prompt, result=result, **settings):
                pass
        except ValueError as error:
            result.error, result.stopped_by = str(error), "invalid input"
        return result

    def stop(self) -> None:
        """Ask a running stream() to stop after the current token."""
        self.stop_requested.set()
