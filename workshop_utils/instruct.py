"""Instruction fine-tuning: Alpaca-style prompts made from the corpus, masked loss, evaluation.

Prompt template as tatsu-lab/stanford_alpaca (train.py PROMPT_DICT). The response ends with the
tokenizer's <EOS> token, so a tuned model learns to stop. Only response tokens are trained on:
prompt and padding positions get the target -100, which cross-entropy ignores. The shipped run
(INSTRUCT_RECIPE) is finetune.run_instruction_tuning.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .data import load_corpus, split_of
from .generation import complete_many
from .genres import GENRES, LABELS

PROMPT_WITH_INPUT = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n")
PROMPT_NO_INPUT = (
    "Below is an instruction that describes a task. Write a response that appropriately "
    "completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n")
IGNORE_INDEX = -100  # cross_entropy skips these targets (its default ignore_index)
MAX_RESPONSE_TOKENS = 16  # the answer and its <EOS>; the prompt keeps the rest of the context
TASKS = ("play", "speaker", "genre", "continue", "last_word")


@dataclass(frozen=True)
class InstructionExample:
    task: str  # one of TASKS
    instruction: str
    input: str  # "" when the task needs none
    response: str
    scene_id: str  # where the line comes from (for split checks)


def format_prompt(instruction: str, input: str = "") -> str:
    """The Alpaca prompt, ending right where the model should start its response."""
    if not isinstance(instruction, str) or not instruction.strip():
        raise ValueError("the instruction is empty; every example needs an instruction such as "
                         "'Which play is this line from?' (the input may be empty, not the instruction)")
    if input.strip():
        return PROMPT_WITH_INPUT.format(instruction=instruction.strip(), input=input.strip())
    return PROMPT_NO_INPUT.format(instruction=instruction.strip())


def _make(task: str, line: str, passage) -> InstructionExample | None:
    if task == "play":
        return InstructionExample(task, "Which play is this line from?", line, passage.play, passage.scene_id)
    if task == "speaker":
        return InstructionExample(task, "Who speaks this line?", line, passage.speaker.title(), passage.scene_id)
    if task == "genre":
        if passage.genre not in GENRES:
            return None
        return InstructionExample(task, "Is this line from a comedy, a tragedy or a history?", line,
                                  LABELS[GENRES.index(passage.genre)], passage.scene_id)
    words = line.split()
    if task == "continue":
        if len(words) < 6:
            return None
        half = len(words) // 2
        return InstructionExample(task, "Continue this line.", " ".join(words[:half]),
                                  " ".join(words[half:]), passage.scene_id)
    found = re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)*", line)
    if not found:
        return None
    return InstructionExample(task, f'What is the last word of "{line}"?', "", found[-1], passage.scene_id)


def instruction_examples(split: str, per_task: int, seed: int = 0, min_chars: int = 20,
                         max_chars: int = 60, tokenizer=None) -> list[InstructionExample]:
    """`per_task` examples of every task from lines of one split's scenes, shuffled (fixed seed).

    Lines have min_chars..max_chars characters; no (instruction, input) pair appears twice;
    given the tokenizer, responses longer than MAX_RESPONSE_TOKENS (with <EOS>) are skipped.
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    rng = random.Random(seed)
    lines = [(line.strip(), p) for p in load_corpus() if split_of(p.scene_id) == split
             for line in p.text.split("\n") if min_chars <= len(line.strip()) <= max_chars]
    examples: list[InstructionExample] = []
    for task in TASKS:
        made, seen = [], set()
        for line, passage in rng.sample(lines, len(lines)):
            example = _make(task, line, passage)
            if (example is not None and (example.instruction, example.input) not in seen
                    and (tokenizer is None or len(tokenizer.encode(example.response).ids) < MAX_RESPONSE_TOKENS)):
                seen.add((example.instruction, example.input))
                made.append(example)
            if len(made) == per_task:
                break
        examples.extend(made)
    rng.shuffle(examples)
    return examples


def prompt_ids(tokenizer, example: InstructionExample, block_size: int) -> list[int]:
    """Prompt tokens, cut from the LEFT so MAX_RESPONSE_TOKENS still fit in the context.

    Only the start of the fixed preamble ("Below is an instruction...") falls off: it is the
    same in every example, so the model loses nothing it needs.
    """
    ids = tokenizer.encode(format_prompt(example.instruction, example.input)).ids
    return ids[-(block_size - MAX_RESPONSE_TOKENS):]


def encode_example(tokenizer, example: InstructionExample, block_size: int) -> tuple[list[int], list[int]]:
    """(input ids, targets) for one example: targets are -100 on the prompt, then the response + <EOS>."""
    prompt = prompt_ids(tokenizer, example, block_size)
    response = tokenizer.encode(example.response).ids + [tokenizer.token_to_id("<EOS>")]
    if len(response) > MAX_RESPONSE_TOKENS:
        raise ValueError(f"response of {len(response)} tokens is longer than MAX_RESPONSE_TOKENS="
                         f"{MAX_RESPONSE_TOKENS}: {example.response!r}; shorten it")
    full = prompt + response
    targets = [IGNORE_INDEX] * (len(prompt) - 1) + response  # target i is token i + 1
    return full[:-1], targets


def collate(encoded: list[tuple[list[int], list[int]]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad a batch on the right: <PAD> in the inputs, -100 in the targets (no loss on padding)."""
    width = max(len(ids) for ids, _ in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    targets = torch.full((len(encoded), width), IGNORE_INDEX, dtype=torch.long)
    for row, (x, y) in enumerate(encoded):
        ids[row, :len(x)], targets[row, :len(y)] = torch.tensor(x), torch.tensor(y)
    return ids, targets


def train_instructions(model, tokenizer, examples: list[InstructionExample], steps: int,
                       batch_size: int = 32, lr: float = 1e-3, seed: int = 0,
                       progress: bool = True) -> list[float]:
    """Fixed-step AdamW on the masked response loss; returns the loss of every step."""
    if not examples:
        raise ValueError("train_instructions got no examples; make some with "
                         "instruction_examples('train', per_task=...)")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    device = next(model.parameters()).device
    encoded = [encode_example(tokenizer, e, model.config.block_size) for e in examples]
    pad_id, generator = tokenizer.token_to_id("<PAD>"), torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    losses = []
    model.train()
    for step in tqdm(range(steps), desc="instruction tuning", disable=not progress):
        for group in optimizer.param_groups:  # linear decay to 10%
            group["lr"] = lr * (1 - 0.9 * step / max(1, steps))
        rows = torch.randint(0, len(encoded), (batch_size,), generator=generator).tolist()
        ids, targets = collate([encoded[r] for r in rows], pad_id)
        _, loss = model(ids.to(device), targets.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split())


def follows_format(response: str, stopped: bool) -> bool:
    """One non-empty line, ended with <EOS> within MAX_RESPONSE_TOKENS, no template markers."""
    return stopped and bool(response.strip()) and "\n" not in response.strip() and "###" not in response


def is_correct(example: InstructionExample, response: str) -> bool:
    """Exact match after lower-casing and removing punctuation; 'continue' needs the next word right."""
    got, want = normalise(response), normalise(example.response)
    if example.task == "continue":
        return got.split()[:1] == want.split()[:1]
    return got == want


def respond(model, tokenizer, examples: list[InstructionExample]) -> list[tuple[str, bool]]:
    """Greedy responses (text, stopped with <EOS>?) for each example, at most MAX_RESPONSE_TOKENS.

    The prompt is cut from the left as in training (prompt_ids): generation.complete_many keeps
    its last block_size - MAX_RESPONSE_TOKENS tokens.
    """
    prompts = [format_prompt(e.instruction, e.input) for e in examples]
    answers = complete_many(model, tokenizer, prompts, MAX_RESPONSE_TOKENS, greedy=True,
                            stop_token=tokenizer.token_to_id("<EOS>"))
    return [(answer.text, answer.stopped) for answer in answers]


def evaluate_instructions(model, tokenizer, examples: list[InstructionExample]) -> dict:
    """Format adherence and accuracy, overall and per task, plus every (example, response)."""
    answers = respond(model, tokenizer, examples)
    rows = [(e, text, follows_format(text, stopped), is_correct(e, text))
            for e, (text, stopped) in zip(examples, answers)]
    report = {"format": sum(r[2] for r in rows) / len(rows), "accuracy": sum(r[3] for r in rows) / len(rows),
              "tasks": {}, "rows": rows}
    for task in dict.fromkeys(e.task for e in examples):
        mine = [r for r in rows if r[0].task == task]
        report["tasks"][task] = {"n": len(mine), "format": sum(r[2] for r in mine) / len(mine),
                                 "accuracy": sum(r[3] for r in mine) / len(mine)}
    return report
