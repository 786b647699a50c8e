"""Pretraining: the trainer (AdamW, warmup + cosine, clipping) and evaluation in bits/char (notebook 08).

`Trainer(model, train_ids, val_ids, TrainConfig(...)).fit()` trains; `trainer.save(path)` writes a
checkpoint (workshop_utils/checkpoint.py, re-exported here: save_checkpoint, load_checkpoint) and
`Trainer.resume(path, ...)` continues exactly where it stopped. Under
`torchrun --nproc_per_node N` the same code trains with DistributedDataParallel.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.distributed as dist
from safetensors import SafetensorError
from safetensors.torch import load_file
from tokenizers import Tokenizer
from tqdm.auto import tqdm

from .checkpoint import load_checkpoint, read_checkpoint_json, save_checkpoint, verified_file
from .model import GPT, plain_int
from .batching import lm_blocks, random_batch

__all__ = ["TrainConfig", "Trainer", "learning_rate_at", "make_optimizer", "evaluate_ids",
           "bits_per_char", "save_checkpoint", "load_checkpoint", "read_checkpoint_json"]

LN2 = math.log(2)


@dataclass
class TrainConfig:
    max_steps: int = 1000  # optimizer steps; the learning-rate schedule is laid out over these
    max_seconds: float | None = None  # optional time budget: stop (and finish the decay) by then
    batch_size: int = 32  # sequences per step, all processes together (the global batch)
    learning_rate: float = 3e-3  # peak, reached after warmup
    min_learning_rate: float = 3e-4  # the cosine decays to this
    warmup_steps: int = 50
    weight_decay: float = 0.1  # on matrices only (dim >= 2): not on biases, LayerNorm, ...
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0  # max global gradient norm (0 switches clipping off)
    eval_interval: int = 100  # evaluate on the validation subset every this many steps
    eval_tokens: int = 16384  # size of that fixed subset (the first tokens of the val split)
    log_interval: int = 10  # one history record (mean train loss) every this many steps
    checkpoint_interval: int = 0  # save every this many steps when fit() gets a path (0: never)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("max_steps", "batch_size", "warmup_steps", "eval_interval", "eval_tokens",
                     "log_interval", "checkpoint_interval"):
            value = getattr(self, name)
            if plain_int(value) is None or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
            setattr(self, name, plain_int(value))  # np.int64(8) -> 8, so the config saves as JSON
        if self.max_steps < 1 or self.batch_size < 1 or self.log_interval < 1 or self.eval_interval < 1:
            raise ValueError("max_steps, batch_size, log_interval and eval_interval must be >= 1")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise ValueError(f"max_seconds must be > 0 (or None for no time budget), got {self.max_seconds}")
        if not 0 <= self.min_learning_rate <= self.learning_rate:
            raise ValueError(f"need 0 <= min_learning_rate <= learning_rate, got "
                             f"{self.min_learning_rate} and {self.learning_rate}")


def learning_rate_at(step: int, config: TrainConfig, time_fraction: float = 0.0) -> float:
    """Linear warmup for `warmup_steps`, then a cosine from learning_rate to min_learning_rate.

    The cosine follows whichever budget is closer to running out: steps, or (with a time
    budget) the fraction of max_seconds already used.
    """
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    decay_steps = max(1, config.max_steps - config.warmup_steps)
    progress = min(1.0, max((step - config.warmup_steps) / decay_steps, time_fraction))
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
    return config.min_learning_rate + cosine * (config.learning_rate - config.min_learning_rate)


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices (embeddings, Linear weights) only."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in parameters if p.dim() >= 2], "weight_decay": config.weight_decay},
              {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(config.beta1, config.beta2))


# --- evaluation: nats per token and bits per character ---

@torch.no_grad()
def evaluate_ids(model: GPT, ids: torch.Tensor, tokenizer: Tokenizer | None = None,
                 batch_size: int = 32) -> dict[str, float]:
    """Loss over non-overlapping windows of `ids` (every token after the first predicted once).

    Returns total nats, tokens, loss in nats/token, perplexity and, given the tokenizer, the
    characters of the predicted tokens and bits/char = total nats / (characters * ln 2).
    The tail shorter than one window is left out.
    """
    block_size = model.config.block_size
    inputs, targets = lm_blocks(ids, block_size)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(inputs), batch_size):
        x, y = inputs[start:start + batch_size].to(device), targets[start:start + batch_size].to(device)
        logits, _ = model(x)
        total += torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), y.flatten(),
                                                   reduction="sum").item()
    model.train(was_training)
    tokens = targets.numel()
    result = {"total_nats": total, "tokens": tokens, "loss_nats_per_token": total / tokens,
              "perplexity": math.exp(total / tokens)}
    if tokenizer is not None:  # targets are ids[1 : tokens + 1], one contiguous stretch of text
        characters = len(tokenizer.decode(ids[1:tokens + 1].tolist(), skip_special_tokens=False))
        result.update(characters=characters, bits_per_char=total / (characters * LN2))
    return result


def bits_per_char(total_nats: float, characters: int) -> float:
    """The tokenizer-independent loss: total nats over a text / (its characters * ln 2)."""
    if characters <= 0:
        raise ValueError(f"characters must be positive, got {characters}")
    return total_nats / (characters * LN2)


# --- the trainer ---

def _distributed() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _check_enough_tokens(train_ids: torch.Tensor, val_ids: torch.Tensor, block_size: int,
                         eval_tokens: int) -> None:
    """Refuse, before any step, data too short for one (input, target) window of block_size."""
    need = block_size + 1
    for name, ids in (("train_ids", train_ids), ("val_ids", val_ids)):
        if ids.dim() != 1:
            raise ValueError(f"{name} must be a 1-D tensor of token ids (the whole text in one row), "
                             f"got shape {tuple(ids.shape)}; flatten it with {name}.flatten()")
    if len(train_ids) < need:
        raise ValueError(f"train_ids has {len(train_ids)} tokens, but one training window needs "
                         f"block_size + 1 = {need}; use more training text or a smaller block_size")
    if len(val_ids) < need:
        raise ValueError(f"val_ids has {len(val_ids)} tokens, but the validation loss needs at least "
                         f"block_size + 1 = {need}; use a longer validation split (e.g. "
                         "encode_corpus(tokenizer, 'val')) or a smaller block_size")
    if eval_tokens + 1 < need:
        raise ValueError(f"eval_tokens={eval_tokens} keeps {eval_tokens + 1} validation tokens, fewer "
                         f"than block_size + 1 = {need}; set TrainConfig(eval_tokens=...) to at least "
                         f"{block_size}")


class Trainer:
    """Trains a GPT on token ids: `Trainer(model, train_ids, val_ids, config).fit()`.

    Each step draws `batch_size` random windows (text.random_batch, seeded); under DDP every
    process draws the same global batch and keeps its own slice, so N processes compute exactly
    the step one process would.
    """

    def __init__(self, model: GPT, train_ids: torch.Tensor, val_ids: torch.Tensor,
                 config: TrainConfig, tokenizer: Tokenizer | None = None):
        self.model, self.config, self.tokenizer = model, config, tokenizer
        self.rank, self.world_size = _distributed()
        if config.batch_size % self.world_size:
            raise ValueError(f"batch_size {config.batch_size} must be divisible by the number of "
                             f"processes ({self.world_size})")
        self.device = next(model.parameters()).device
        self.train_ids = torch.as_tensor(train_ids, dtype=torch.long)
        self.val_ids = torch.as_tensor(val_ids, dtype=torch.long)[: config.eval_tokens + 1]
        _check_enough_tokens(self.train_ids, torch.as_tensor(val_ids), model.config.block_size,
                             config.eval_tokens)
        self.optimizer = make_optimizer(model, config)
        self.generator = torch.Generator().manual_seed(config.seed)  # batch positions
        self.step, self.tokens_seen, self.elapsed = 0, 0, 0.0
        self.history: list[dict] = []
        self._loss_sum, self._loss_count = 0.0, 0
        self.network = model
        if self.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.network = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = random_batch(self.train_ids, self.model.config.block_size, self.config.batch_size,
                            generator=self.generator)
        share = self.config.batch_size // self.world_size
        rows = slice(self.rank * share, (self.rank + 1) * share)
        return x[rows].to(self.device), y[rows].to(self.device)

    def evaluate(self) -> float:
        """Validation loss (nats/token) on the fixed subset: the first eval_tokens tokens."""
        return evaluate_ids(self.model, self.val_ids)["loss_nats_per_token"]

    def _mean_over_processes(self, value: float) -> float:
        if self.world_size == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return tensor.item() / self.world_size

    def _out_of_time(self, start: float) -> bool:
        if self.config.max_seconds is None:
            return False
        done = torch.tensor([float(time.perf_counter() - start >= self.config.max_seconds)], device=self.device)
        if self.world_size > 1:  # every process stops at the same step
            dist.all_reduce(done, op=dist.ReduceOp.MAX)
        return bool(done.item())

    def train_step(self, learning_rate: float) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        x, y = self.next_batch()
        self.network.train()
        _, loss = self.network(x, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.optimizer.step()
        return self._mean_over_processes(loss.item())

    def fit(self, callback: Callable[[dict], None] | None = None, progress: bool = True,
            checkpoint_path: str | Path | None = None, until_step: int | None = None) -> list[dict]:
        """Train until max_steps (or max_seconds, or an earlier `until_step`); returns the history.

        Every log_interval steps a record {step, tokens, elapsed, lr, train_loss[, val_loss]} is
        appended and passed to `callback` (e.g. a live plot); val_loss every eval_interval steps.
        """
        config = self.config
        start = time.perf_counter() - self.elapsed
        bar = tqdm(total=config.max_steps, initial=self.step, desc="pretraining", unit="step",
                   disable=not progress or self.rank != 0)
        end = config.max_steps if until_step is None else min(until_step, config.max_steps)
        learning_rate = self.config.learning_rate
        while self.step < end:
            used = (time.perf_counter() - start) / config.max_seconds if config.max_seconds else 0.0
            learning_rate = learning_rate_at(self.step, config, used)
            loss = self.train_step(learning_rate)
            self.step += 1
            self.tokens_seen += config.batch_size * self.model.config.block_size
            self._loss_sum, self._loss_count = self._loss_sum + loss, self._loss_count + 1
            out_of_time = self._out_of_time(start)  # the time budget ran out: this step is the last
            final = self.step == config.max_steps or out_of_time
            if self.step % config.log_interval == 0 or self.step % config.eval_interval == 0 or final:
                self._record(start, learning_rate, self.step % config.eval_interval == 0 or final, callback, bar)
            bar.update(1)
            if checkpoint_path and config.checkpoint_interval and self.step % config.checkpoint_interval == 0:
                self.elapsed = time.perf_counter() - start
                self.save(checkpoint_path)
            if out_of_time:
                break
        self.elapsed = time.perf_counter() - start
        bar.close()
        return self.history

    def _record(self, start: float, learning_rate: float, with_val: bool, callback, bar) -> None:
        self.elapsed = time.perf_counter() - start
        record = {"step": self.step, "tokens": self.tokens_seen, "elapsed": round(self.elapsed, 3),
                  "lr": learning_rate, "train_loss": self._loss_sum / self._loss_count}
        self._loss_sum, self._loss_count = 0.0, 0
        if with_val:
            record["val_loss"] = self.evaluate()
        self.history.append(record)
        bar.set_postfix(loss=f"{record['train_loss']:.3f}", refresh=False)
        if callback is not None and self.rank == 0:
            callback(record)

    def metrics(self) -> dict:
        last_val = [r["val_loss"] for r in self.history if "val_loss" in r]
        return {"step": self.step, "tokens_seen": self.tokens_seen, "train_seconds": round(self.elapsed, 2),
                "tokens_per_second": round(self.tokens_seen / max(self.elapsed, 1e-9), 1),
                "val_subset_loss": last_val[-1] if last_val else None, "history": self.history}

    def training_state(self) -> tuple[dict, dict]:
        """(tensors, json values): optimizer moments and RNG states; counters and hyperparameters."""
        optimizer_state = self.optimizer.state_dict()
        tensors = {f"optimizer.{index}.{key}": value for index, state in optimizer_state["state"].items()
                   for key, value in state.items()}
        tensors["rng.torch"] = torch.get_rng_state()
        tensors["rng.batches"] = self.generator.get_state()
        values = {"step": self.step, "tokens_seen": self.tokens_seen, "elapsed": self.elapsed,
                  "loss_sum": self._loss_sum, "loss_count": self._loss_count, "history": self.history,
                  "param_groups": optimizer_state["param_groups"], "world_size": self.world_size}
        return tensors, values

    def save(self, path: str | Path, metrics: dict | None = None, with_training_state: bool = True,
             extra_config: dict | None = None) -> Path | None:
        """Checkpoint (process 0 only); metrics default to self.metrics()."""
        if self.rank != 0:
            return None
        if self.tokenizer is None:
            raise ValueError("the Trainer needs the tokenizer to save a checkpoint: Trainer(..., tokenizer=tok)")
        return save_checkpoint(path, self.model, self.tokenizer, metrics or self.metrics(), self.config,
                               self.training_state() if with_training_state else None, extra_config)

    @classmethod
    def resume(cls, path: str | Path, train_ids: torch.Tensor, val_ids: torch.Tensor,
               device: str | torch.device = "cpu", **overrides) -> "Trainer":
        """A Trainer restored from a checkpoint saved with its training state; `overrides`
        change TrainConfig fields (e.g. max_steps=...)."""
        model, tokenizer, metadata = load_checkpoint(path, device)
        config = TrainConfig(**{**metadata["config"]["train"], **overrides})
        trainer = cls(model.train(), train_ids, val_ids, config, tokenizer)
        values = read_checkpoint_json(path, "training_state.json")
        try:
            tensors = load_file(verified_file(Path(path), metadata["config"], "training_state.safetensors"))
        except SafetensorError as error:
            raise ValueError(f"{path}/training_state.safetensors cannot be read ({error})") from None
        state: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                state.setdefault(int(index), {})[name] = value.to(device) if name != "step" else value
        trainer.optimizer.load_state_dict({"state": state, "param_groups": values["param_groups"]})
        torch.set_rng_state(tensors["rng.torch"])
        trainer.generator.set_state(tensors["rng.batches"])
        for name in ("step", "tokens_seen", "elapsed", "history"):
            setattr(trainer, name, values[name])
        trainer._loss_sum, trainer._loss_count = values["loss_sum"], values["loss_count"]
        return trainer
