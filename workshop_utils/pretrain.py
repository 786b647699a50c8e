"""The pretraining recipes (presets) and `python -m workshop_utils pretrain`, also under torchrun.

  python -m workshop_utils pretrain --preset live                 # notebook 08's run, ~1 minute
  python -m workshop_utils pretrain --preset shipped              # data/checkpoints/shakespeare-gpt
  torchrun --nproc_per_node 2 -m workshop_utils pretrain --preset live   # DistributedDataParallel
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import torch.distributed as dist

from .model import GPT, GPTConfig
from .paths import CHECKPOINT_DIR, PROJECT_ROOT
from .runtime import cpu_name, get_device, set_seed
from .text import encode_corpus, train_corpus_tokenizer
from .train import TrainConfig, Trainer, evaluate_ids

SHIPPED_CHECKPOINT = CHECKPOINT_DIR / "shakespeare-gpt"
VAL_SUBSET_TOKENS = 16384  # the fixed validation subset a unit test recomputes (first tokens of val)


@dataclass(frozen=True)
class Preset:
    vocab_size: int
    model: GPTConfig
    train: TrainConfig
    description: str


PRESETS = {
    "live": Preset(4096, GPTConfig(block_size=128, vocab_size=4096, n_layer=4, n_head=4, n_embd=128),
                   TrainConfig(max_steps=300, batch_size=16, learning_rate=4e-3, min_learning_rate=4e-4,
                               warmup_steps=30, eval_interval=50, eval_tokens=8192, log_interval=10),
                   "notebook 08's live run: about a minute on 2 CPU cores"),
    "shipped": Preset(1024, GPTConfig(block_size=128, vocab_size=1024, n_layer=4, n_head=4, n_embd=128),
                      TrainConfig(max_steps=3000, batch_size=16, learning_rate=3e-3, min_learning_rate=3e-4,
                                  warmup_steps=100, eval_interval=250, log_interval=25,
                                  checkpoint_interval=500),
                      "data/checkpoints/shakespeare-gpt (make pretrain)"),
    "tiny": Preset(300, GPTConfig(block_size=32, vocab_size=300, n_layer=2, n_head=2, n_embd=32),
                   TrainConfig(max_steps=4, batch_size=8, learning_rate=1e-2, warmup_steps=1,
                               eval_interval=2, eval_tokens=2048, log_interval=1),
                   "a seconds-long smoke test (tests/test_ddp.py)"),
}


def setup_distributed() -> tuple[int, int, torch.device]:
    """(rank, world size, device); starts a process group when launched by torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return 0, 1, get_device()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return dist.get_rank(), world_size, torch.device("cuda", local_rank)
    dist.init_process_group("gloo")
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world_size))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))  # share the cores
    return dist.get_rank(), world_size, torch.device("cpu")


def machine_description(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{cpu_name()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


def replica_checksums(model: torch.nn.Module, world_size: int) -> list[float]:
    """Sum of all weights on every process (identical when the replicas agree)."""
    total = torch.stack([p.detach().double().sum() for p in model.parameters()]).sum().reshape(1)
    if world_size == 1:
        return [total.item()]
    gathered = [torch.zeros_like(total) for _ in range(world_size)]
    dist.all_gather(gathered, total)
    return [t.item() for t in gathered]


def run_pretraining(preset: str, out: str | Path | None = None, steps: int | None = None,
                    seconds: float | None = None, progress: bool = True, resume: bool = False) -> dict:
    """Train a preset from scratch (or resume the checkpoint in `out`) and save; returns metrics."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    recipe = PRESETS[preset]
    rank, world_size, device = setup_distributed()
    train_config = replace(recipe.train, **({"max_steps": steps} if steps else {}),
                           **({"max_seconds": seconds} if seconds else {}))
    out = Path(out) if out else (SHIPPED_CHECKPOINT if preset == "shipped" else PROJECT_ROOT / "runs" / preset)
    if resume and not (out / "training_state.json").is_file():
        raise FileNotFoundError(f"nothing to resume in {out}: no training_state.json there; "
                                "leave out --resume to start from scratch")
    set_seed(train_config.seed)
    tokenizer = train_corpus_tokenizer(recipe.vocab_size)
    train_ids, val_ids = encode_corpus(tokenizer, "train"), encode_corpus(tokenizer, "val")
    if resume:
        trainer = Trainer.resume(out, train_ids, val_ids, device, max_steps=train_config.max_steps,
                                 max_seconds=train_config.max_seconds)
        if trainer.tokenizer.get_vocab() != tokenizer.get_vocab():
            raise ValueError(f"the checkpoint in {out} was trained with another tokenizer")
        model = trainer.model
    else:
        model = GPT(recipe.model).to(device)
        trainer = Trainer(model, train_ids, val_ids, train_config, tokenizer)
    started = time.time()
    trainer.fit(progress=progress and rank == 0, checkpoint_path=out)
    full = evaluate_ids(model, val_ids, tokenizer)
    subset = evaluate_ids(model, val_ids[: VAL_SUBSET_TOKENS + 1], tokenizer)
    metrics = {"preset": preset, "machine": machine_description(device), "processes": world_size,
               "parameters": model.num_parameters(), "wall_seconds": round(time.time() - started, 1),
               "val_loss_nats_per_token": full["loss_nats_per_token"], "val_bits_per_char": full["bits_per_char"],
               "val_perplexity": full["perplexity"], "val_tokens": full["tokens"],
               "val_characters": full["characters"],
               "val_subset": {"definition": f"first {VAL_SUBSET_TOKENS + 1} tokens of the val split, "
                                            f"non-overlapping windows of {recipe.model.block_size}", **subset},
               "replica_checksums": replica_checksums(model, world_size), **trainer.metrics()}
    trainer.save(out, metrics, with_training_state=preset != "shipped",
                 extra_config={"preset": preset, "vocab_size": recipe.vocab_size,
                               "command": f"python -m workshop_utils pretrain --preset {preset}"})
    if rank == 0:
        print(f"{preset}: {trainer.step} steps, {trainer.tokens_seen:,} tokens in {trainer.elapsed:.0f} s; "
              f"val {full['loss_nats_per_token']:.4f} nats/token, {full['bits_per_char']:.4f} bits/char, "
              f"perplexity {full['perplexity']:.2f}; saved to {out}")
    if world_size > 1:
        dist.barrier()
        dist.destroy_process_group()
    return metrics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", choices=sorted(PRESETS), default="live",
                        help="; ".join(f"{k}: {v.description}" for k, v in PRESETS.items()))
    parser.add_argument("--out", help="checkpoint folder (default: runs/PRESET, or the shipped "
                                      "folder for --preset shipped)")
    parser.add_argument("--steps", type=int, help="override the preset's number of steps")
    parser.add_argument("--seconds", type=float, help="time budget: stop after this many seconds "
                                                      "(the learning rate decays to fit)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out "
                                                                "(exactly where it stopped)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    run_pretraining(args.preset, args.out, args.steps, args.seconds, progress=not args.no_progress,
                    resume=args.resume)
    return 0


def complete(model: GPT, tokenizer, prompt: str, max_new_tokens: int = 60, temperature: float = 0.8,
             top_k: int | None = None, top_p: float | None = None, seed: int = 0,
             greedy: bool = False) -> str:
    """The model's continuation of `prompt` as text (seeded sampling, see model.generate)."""
    from .model import generate

    ids = tokenizer.encode(prompt).ids or [tokenizer.token_to_id("<BOS>")]
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    out = generate(model, torch.tensor(ids, device=device), max_new_tokens, temperature=temperature,
                   top_k=top_k, top_p=top_p, greedy=greedy, generator=generator)
    return tokenizer.decode(out[len(ids):].tolist())
