"""What a language model trains on (notebooks 05 and 08): token ids cut into (input, target)
blocks, a torch Dataset and DataLoader of them, nanoGPT-style random batches, the slide's
batching example, and how much a batch saves over a loop of blocks. Token ids come from
text.encode_text / encode_corpus.
"""
from __future__ import annotations

import math
import statistics
import time
from typing import Callable

import torch
import torch.utils.data


def _check_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}; "
                         f"use e.g. {name}=4")


def _as_ids(ids) -> torch.Tensor:
    ids = torch.as_tensor(ids, dtype=torch.long)
    if ids.dim() != 1:
        raise ValueError(f"ids must be a 1-D sequence of token ids, got shape {tuple(ids.shape)}")
    return ids


def _check_long_enough(ids: torch.Tensor, block_size: int) -> None:
    if len(ids) < block_size + 1:
        raise ValueError(f"need at least block_size + 1 = {block_size + 1} token ids for one "
                         f"(input, target) pair, got {len(ids)}; use a smaller block_size or more text")


def lm_blocks(ids, block_size: int, stride: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Sliding windows for next-token prediction: inputs ids[s:s+T], targets ids[s+1:s+T+1].

    Windows start every `stride` tokens (default `block_size`: non-overlapping blocks); only
    full windows are kept. Returns (inputs, targets), each of shape (number_of_blocks, T).
    """
    ids = _as_ids(ids)
    _check_positive("block_size", block_size)
    stride = block_size if stride is None else stride
    _check_positive("stride", stride)
    _check_long_enough(ids, block_size)
    windows = ids.unfold(0, block_size + 1, stride)  # (number_of_blocks, T + 1)
    return windows[:, :-1].contiguous(), windows[:, 1:].contiguous()


class LMBlockDataset(torch.utils.data.Dataset):
    """A torch Dataset of (input, target) blocks from `lm_blocks` (targets shifted by one)."""

    def __init__(self, ids, block_size: int, stride: int | None = None):
        self.inputs, self.targets = lm_blocks(ids, block_size, stride)
        self.block_size = block_size

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.inputs[index], self.targets[index]


def lm_dataloader(ids, block_size: int, batch_size: int, stride: int | None = None,
                  shuffle: bool = True, seed: int = 0,
                  drop_last: bool = False) -> torch.utils.data.DataLoader:
    """A DataLoader over LMBlockDataset; seeded shuffling, so batches repeat run to run."""
    _check_positive("batch_size", batch_size)
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(LMBlockDataset(ids, block_size, stride),
                                       batch_size=batch_size, shuffle=shuffle,
                                       generator=generator, drop_last=drop_last)


def random_batch(ids, block_size: int, batch_size: int,
                 generator: torch.Generator | None = None,
                 device: str | torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """nanoGPT-style batch: `batch_size` windows at random starts; x, y of shape (B, T).

    y is x shifted one token to the left (the next token at every position). Pass a seeded
    `torch.Generator` for repeatable batches.
    """
    ids = _as_ids(ids)
    _check_positive("block_size", block_size)
    _check_positive("batch_size", batch_size)
    _check_long_enough(ids, block_size)
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)
    offsets = torch.arange(block_size)
    x = ids[starts[:, None] + offsets]  # (B, T)
    y = ids[starts[:, None] + offsets + 1]  # (B, T)
    if device is not None:
        x, y = x.to(device), y.to(device)
    return x, y


def _wait_for(device: torch.device) -> None:
    """Let queued GPU work finish, so a timer measures it (CPU work is done when a call returns)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@torch.no_grad()
def batching_speedup(layer: Callable[[torch.Tensor], torch.Tensor], blocks: torch.Tensor,
                     repeats: int = 7, number: int = 5, warmup: int = 2) -> dict[str, float]:
    """How much faster `layer` runs on a batch of blocks (B, T, C) at once than block by block.

    Both ways run `warmup` times first (caches, lazy initialisation); then each repeat times
    `number` calls of each way, alternating, and the ratio of that repeat is loop time / batch
    time. Returns the medians over `repeats`: seconds per call of each way, and the ratio.
    """
    _check_positive("repeats", repeats)
    _check_positive("number", number)
    device = blocks.device

    def timed(work) -> float:
        _wait_for(device)
        start = time.perf_counter()
        for _ in range(number):
            work()
        _wait_for(device)
        return (time.perf_counter() - start) / number

    def one_by_one():
        return torch.stack([layer(block) for block in blocks])

    def all_at_once():
        return layer(blocks)

    for _ in range(warmup):
        one_by_one(), all_at_once()
    loop, batch = zip(*[(timed(one_by_one), timed(all_at_once)) for _ in range(repeats)])
    return {"one_by_one_seconds": statistics.median(loop), "batch_seconds": statistics.median(batch),
            "ratio": statistics.median(a / b for a, b in zip(loop, batch))}


# --- The slide's batching example (notebook 05) ---

SLIDE_BATCHING_TEXT = ("This is a long sentence which will be batched for processing large "
                       "language models. The sentence is used for illustration purpose.")
PAD = "<pad>"


def batch_blocks(tokens: list, block_size: int, batch_size: int, pad=PAD) -> list[list[list]]:
    """Cut tokens into blocks of `block_size`, group blocks into batches of `batch_size`.

    The last block is filled up with `pad`, and the last batch with whole `pad` blocks, so
    every batch has the same shape (batch_size, block_size).
    """
    _check_positive("block_size", block_size)
    _check_positive("batch_size", batch_size)
    tokens = list(tokens)
    if not tokens:
        raise ValueError("batch_blocks needs at least one token")
    number_of_batches = math.ceil(len(tokens) / (block_size * batch_size))
    padded = tokens + [pad] * (number_of_batches * batch_size * block_size - len(tokens))
    blocks = [padded[i:i + block_size] for i in range(0, len(padded), block_size)]
    return [blocks[i:i + batch_size] for i in range(0, len(blocks), batch_size)]
