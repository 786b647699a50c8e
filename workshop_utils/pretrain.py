"""Pretraining runs (the recipes are recipes.PRESETS): `python -m workshop_utils pretrain`, also under torchrun.

  python -m workshop_utils pretrain --preset live                 # notebook 08's run, ~1 minute
  python -m workshop_utils pretrain --preset shipped --install    # runs/shipped, then data/checkpoints/shakespeare-gpt
  python -m workshop_utils pretrain --text my_book.txt            # the live preset on your own UTF-8 text
  torchrun --nproc_per_node 2 -m workshop_utils pretrain --preset live   # DistributedDataParallel
"""
from __future__ import annotations

import copy
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.distributed as dist
from tokenizers import Tokenizer

from .checkpoint import install, load_checkpoint, read_checkpoint_json, save_checkpoint
from .generation import complete
from .model import GPT
from .paths import BASE_CHECKPOINT, RUNS_DIR, SNAPSHOT_DIR
from .recipes import PRESETS
from .runtime import cpu_name, get_device, set_seed
from .text import encode_corpus, encode_text, train_bpe, train_corpus_tokenizer
from .train import Trainer, evaluate_ids

SHIPPED_CHECKPOINT = BASE_CHECKPOINT  # where --preset shipped --install puts the finished run
VAL_SUBSET_TOKENS = 16384  # the fixed validation subset a unit test recomputes (first tokens of val)


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


def default_run_folder(preset: str) -> Path:
    """Where a run writes its checkpoints: runs/PRESET (never data/: see `install`)."""
    return RUNS_DIR / preset


def run_pretraining(preset: str, out: str | Path | None = None, steps: int | None = None,
                    seconds: float | None = None, progress: bool = True, resume: bool = False,
                    install: bool | str | Path = False, checkpoint_interval: int | None = None,
                    text: str | None = None, snapshots: tuple[float, ...] | None = None) -> dict:
    """Train a preset from scratch (or resume the run in `out`) into a run folder; returns metrics.

    Everything, the periodic checkpoints included, goes to the run folder `out` (default
    runs/PRESET). Only a finished run with its final metrics is copied into place, atomically,
    when `install` is given: True installs the shipped preset into data/checkpoints/, a path
    installs there. An interrupted run (an error, Ctrl-C) leaves every shipped file as it was.
    `text` trains on that text instead of the corpus (see train_on_text).
    Snapshots (the preset's, or `snapshots`: fractions of max_steps) go to OUT-snapshots/step-NNNNNN
    in 16 bits, each with its validation bits/char as stored; --install copies them beside the
    model (data/checkpoints/shakespeare-gpt-snapshots for the shipped preset).
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    if install is True and preset != "shipped":
        raise ValueError(f"only --preset shipped has a shipped destination (data/checkpoints/); "
                         f"preset {preset!r} is saved in its run folder (--out)")
    destination = SHIPPED_CHECKPOINT if install is True else (Path(install) if install else None)
    recipe = PRESETS[preset]
    rank, world_size, device = setup_distributed()
    overrides = {"max_steps": steps, "max_seconds": seconds, "checkpoint_interval": checkpoint_interval}
    train_config = replace(recipe.train, **{k: v for k, v in overrides.items() if v is not None})
    out = Path(out) if out else default_run_folder(preset)
    if destination is not None and out.resolve() == destination.resolve():
        raise ValueError(f"--out {out} is the shipped folder itself; train into a run folder and "
                         "let --install copy the finished run there")
    if resume and not (out / "training_state.json").is_file():
        raise FileNotFoundError(f"nothing to resume in {out}: no training_state.json there; "
                                "leave out --resume to start from scratch")
    set_seed(train_config.seed)
    if text is None:
        tokenizer = train_corpus_tokenizer(recipe.vocab_size)
        train_ids, val_ids = encode_corpus(tokenizer, "train"), encode_corpus(tokenizer, "val")
    else:
        tokenizer, train_ids, val_ids = text_split_ids(text, recipe.vocab_size, recipe.model.block_size)
    model_config = replace(recipe.model, vocab_size=tokenizer.get_vocab_size())
    if resume:
        trainer = Trainer.resume(out, train_ids, val_ids, device, max_steps=train_config.max_steps,
                                 max_seconds=train_config.max_seconds)
        if trainer.tokenizer.get_vocab() != tokenizer.get_vocab():
            raise ValueError(f"the checkpoint in {out} was trained with another tokenizer")
        model = trainer.model
    else:
        model = GPT(model_config).to(device)
        trainer = Trainer(model, train_ids, val_ids, train_config, tokenizer)
    started = time.time()
    fractions = recipe.snapshots if snapshots is None else snapshots
    if fractions and not resume and rank == 0:  # a fresh run: no snapshots of an earlier one
        shutil.rmtree(snapshot_folder(out), ignore_errors=True)
    for step in sorted({round(f * train_config.max_steps) for f in fractions}):
        folder = snapshot_folder(out) / f"step-{step:06d}"  # beside the run folder, which saves swap whole
        if step < trainer.step or (step == trainer.step and (folder / "config.json").is_file()):
            continue  # a resumed run has made this one already
        trainer.fit(progress=progress and rank == 0, checkpoint_path=out, until_step=step)
        if rank == 0:
            save_snapshot(folder, model, tokenizer, val_ids, trainer, preset)
    trainer.fit(progress=progress and rank == 0, checkpoint_path=out)
    full = evaluate_ids(model, val_ids, tokenizer)
    subset = evaluate_ids(model, val_ids[: VAL_SUBSET_TOKENS + 1], tokenizer)
    command = f"python -m workshop_utils pretrain --preset {preset}" + (" --text FILE" if text is not None else "")
    metrics = {"preset": preset, "machine": machine_description(device), "processes": world_size,
               "parameters": model.num_parameters(), "wall_seconds": round(time.time() - started, 1),
               "val_loss_nats_per_token": full["loss_nats_per_token"], "val_bits_per_char": full["bits_per_char"],
               "val_perplexity": full["perplexity"], "val_tokens": full["tokens"],
               "val_characters": full["characters"],
               "val_subset": {"definition": f"first {VAL_SUBSET_TOKENS + 1} tokens of the val split, "
                                            f"non-overlapping windows of {recipe.model.block_size}", **subset},
               "replica_checksums": replica_checksums(model, world_size), **trainer.metrics()}
    extra_config = {"preset": preset, "vocab_size": tokenizer.get_vocab_size(), "command": command}
    trainer.save(out, metrics, extra_config=extra_config)  # the finished run, resumable
    if destination is not None and rank == 0:  # only now, complete: the shipped folder, atomically
        trainer.save(destination, metrics, with_training_state=False, extra_config=extra_config)
        install_snapshots(snapshot_folder(out), snapshot_folder(destination))
    if rank == 0:
        print(f"{preset}: {trainer.step} steps, {trainer.tokens_seen:,} tokens in {trainer.elapsed:.0f} s; "
              f"val {full['loss_nats_per_token']:.4f} nats/token, {full['bits_per_char']:.4f} bits/char, "
              f"perplexity {full['perplexity']:.2f}; saved to {out}"
              + (f", installed into {destination}" if destination is not None else ""))
    if world_size > 1:
        dist.barrier()
        dist.destroy_process_group()
    return metrics


def snapshot_folder(checkpoint: str | Path) -> Path:
    """Where the snapshots of an installed checkpoint live: beside it, NAME-snapshots."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.name + "-snapshots")


def save_snapshot(folder: Path, model: GPT, tokenizer: Tokenizer, val_ids: torch.Tensor,
                  trainer: Trainer, preset: str) -> dict:
    """A 16-bit copy of the weights now, scored as stored: whole validation split, bits/char."""
    rounded = copy.deepcopy(model).eval()
    with torch.no_grad():
        for parameter in rounded.parameters():
            parameter.copy_(parameter.half().float())  # exactly what loading the 16-bit file gives
    scores = evaluate_ids(rounded, val_ids, tokenizer)
    metrics = {"step": trainer.step, "fraction": round(trainer.step / trainer.config.max_steps, 4),
               "tokens_seen": trainer.tokens_seen, "val_bits_per_char": scores["bits_per_char"],
               "val_loss_nats_per_token": scores["loss_nats_per_token"], "val_tokens": scores["tokens"]}
    save_checkpoint(folder, rounded, tokenizer, metrics, trainer.config, weights_dtype="float16",
                    extra_config={"preset": preset, "snapshot": True})
    print(f"snapshot at step {trainer.step}: val {scores['bits_per_char']:.4f} bits/char -> {folder}")
    return metrics


def install_snapshots(source: Path, destination: Path) -> list[Path]:
    """Copy a finished run's snapshots into place, each atomically; older ones not in it are removed."""
    if not source.is_dir():
        return []
    installed = [install(folder, destination / folder.name) for folder in sorted(source.iterdir())
                 if (folder / "config.json").is_file()]
    keep = {folder.name for folder in installed}
    for stale in (destination.iterdir() if destination.is_dir() else ()):
        if stale.is_dir() and stale.name not in keep:
            shutil.rmtree(stale)
    return installed


def load_snapshots(folder: str | Path = SNAPSHOT_DIR) -> list[dict]:
    """The shipped snapshots, by step: {step, fraction, tokens_seen, val_bits_per_char, path}
    (each folder's metrics.json, checked against its sha256; load one with load_checkpoint(path))."""
    folder = Path(folder)
    found = sorted(p for p in folder.iterdir() if (p / "config.json").is_file()) if folder.is_dir() else []
    if not found:
        raise FileNotFoundError(f"no snapshots in {folder}; make them with `make pretrain` "
                                "(python -m workshop_utils pretrain --preset shipped --install)")
    return [{**read_checkpoint_json(path, "metrics.json"), "path": path} for path in found]


def text_split_ids(text: str, vocab_size: int, block_size: int,
                   val_fraction: float = 0.1) -> tuple[Tokenizer, torch.Tensor, torch.Tensor]:
    """(tokenizer, train ids, validation ids) for any text: the last `val_fraction` of its
    characters (cut at a line break) is held out; the BPE tokenizer learns from the rest only."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str (the whole text), got {type(text).__name__}; "
                        "read a file with Path(name).read_text(encoding='utf-8')")
    cut = text.rfind("\n", 0, int(len(text) * (1 - val_fraction)))
    cut = cut + 1 if cut > 0 else int(len(text) * (1 - val_fraction))
    train_text, val_text = text[:cut], text[cut:]
    if not train_text.strip() or not val_text.strip():
        raise ValueError(f"the text has {len(text):,} characters: too little to split into "
                         "training and validation text; use a few pages at least")
    pieces = [piece for piece in train_text.split("\n\n") if piece.strip()] or [train_text]
    tokenizer = train_bpe(pieces, vocab_size)
    train_ids, val_ids = encode_text(tokenizer, train_text), encode_text(tokenizer, val_text)
    for name, ids in (("training", train_ids), ("validation", val_ids)):
        if len(ids) < block_size + 1:
            raise ValueError(f"the {name} part of the text is {len(ids):,} tokens, fewer than one "
                             f"context window of {block_size + 1}; use a longer text")
    return tokenizer, train_ids, val_ids


def train_on_text(text: str, preset: str = "live", out: str | Path | None = None,
                  seconds: float | None = None, steps: int | None = None, prompt: str = "",
                  progress: bool = True) -> tuple[GPT, Tokenizer, dict]:
    """Train a preset's GPT on your own text (any UTF-8 str) with its own tokenizer; returns
    (model, tokenizer, metrics) and prints a sample. Saved in `out` (default runs/PRESET-text).

        from pathlib import Path
        model, tokenizer, metrics = train_on_text(Path("my_book.txt").read_text(encoding="utf-8"))
    """
    out = Path(out) if out else default_run_folder(f"{preset}-text")
    metrics = run_pretraining(preset, out, steps=steps, seconds=seconds, progress=progress, text=text)
    model, tokenizer, _ = load_checkpoint(out, get_device())
    sample = complete(model, tokenizer, prompt or text[:20], max_new_tokens=40, seed=0)
    print(f"sample: {(prompt or text[:20]) + sample!r}")
    return model, tokenizer, {**metrics, "sample": sample}


def read_text_file(path: str | Path) -> str:
    """A UTF-8 text file's content, with errors a learner can act on."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no text file at {path}; give the path of a UTF-8 .txt file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); save it "
                         "as UTF-8 (any editor's 'Save as' can) and try again") from None
