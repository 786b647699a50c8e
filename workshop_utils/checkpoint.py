"""Checkpoints: a folder of safetensors + JSON files (never pickles), written atomically.

  model.safetensors   the weights (the tied embedding/head matrix stored once)
  config.json         the GPTConfig, the training settings and a sha256 of every other file
  tokenizer.json      the tokenizer the model was trained with
  metrics.json        losses (nats/token, bits/char, perplexity), history, timings
  training_state.safetensors + training_state.json   (optional) optimizer moments, RNG states
                      and counters, so `train.Trainer.resume` continues exactly where it stopped.
Loading checks every file against its recorded sha256: a truncated or edited file is an error.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

from .model import GPT, GPTConfig
from .text import load_bpe

FORMAT = "workshop-gpt-checkpoint/1"
TIED_KEY = "lm_head.weight"  # the same tensor as transformer.wte.weight, stored once


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_fingerprint(tensors: dict[str, torch.Tensor]) -> str:
    """sha256 over names, shapes and bytes of `tensors` (sorted by name): which exact weights these are."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=1, sort_keys=False) + "\n")


def write_folder(path: str | Path, write: Callable[[Path], None], config: dict,
                 config_name: str = "config.json") -> Path:
    """Write a folder atomically: `write(staging)` fills a temporary folder beside `path`, then
    `config_name` records `config` plus the sha256 of every other file, and the folder is
    swapped into place. An interrupted write (an error, Ctrl-C) leaves `path` as it was.

    Checkpoints (save_checkpoint) and LoRA adapters (lora.save_adapter) are both written so.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        write(staging)
        hashes = {f.name: _sha256(f) for f in sorted(staging.iterdir())}
        _write_json(staging / config_name, {**config, "sha256": hashes})
        for file in staging.iterdir():  # mkdtemp made everything private; shipped files are shared
            file.chmod(0o644)
        staging.chmod(0o755)
        if path.exists():  # swap: old folder aside, new one in, old one removed
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(staging, path)
            shutil.rmtree(old)
        else:
            os.replace(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return path


def install(source: str | Path, destination: str | Path) -> Path:
    """Copy a finished run's output (a verified checkpoint or adapter folder, or a file) into
    place atomically: the destination is either its old self or the complete new one."""
    source, destination = Path(source), Path(destination)
    if source.is_dir():
        config_name = "config.json" if (source / "config.json").is_file() else "adapter.json"
        config = json.loads((source / config_name).read_text())
        for name in config.get("sha256", {}):  # refuse to install a damaged or partial folder
            verified_file(source, config, name)
        files = sorted(config.get("sha256", {}))

        def copy(staging: Path) -> None:
            for name in files:
                shutil.copyfile(source / name, staging / name)

        return write_folder(destination, copy, {k: v for k, v in config.items() if k != "sha256"},
                            config_name)
    if not source.is_file():
        raise FileNotFoundError(f"nothing to install at {source}: the run did not finish")
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.tmp-", dir=destination.parent)
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return destination


WEIGHT_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def save_checkpoint(path: str | Path, model: GPT, tokenizer: Tokenizer, metrics: dict | None = None,
                    train_config=None, training_state: tuple[dict, dict] | None = None,
                    extra_config: dict | None = None, weights_dtype: str = "float32") -> Path:
    """Write a checkpoint folder atomically (write_folder): the old one stays until the new one is complete.

    `training_state` is (tensors, json_values) from Trainer.training_state(), for resuming.
    weights_dtype "float16" (or "bfloat16") stores the weights in 16 bits, half the bytes; loading
    turns them back into float32 (the rounded values: evaluate a model as loaded).
    """
    if weights_dtype not in WEIGHT_DTYPES:
        raise ValueError(f"weights_dtype must be one of {sorted(WEIGHT_DTYPES)}, got {weights_dtype!r}")

    def write(staging: Path) -> None:
        weights = {k: v.detach().cpu().to(WEIGHT_DTYPES[weights_dtype]).contiguous()
                   for k, v in model.state_dict().items() if k != TIED_KEY}
        save_file(weights, staging / "model.safetensors", metadata={"format": FORMAT})
        tokenizer.save(str(staging / "tokenizer.json"))
        _write_json(staging / "metrics.json", metrics or {})
        if training_state is not None:
            tensors, values = training_state
            save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()},
                      staging / "training_state.safetensors")
            _write_json(staging / "training_state.json", values)

    config = {"format": FORMAT, "model": model.config.to_dict(), "weights_dtype": weights_dtype,
              "train": asdict(train_config) if train_config else None, **(extra_config or {})}
    return write_folder(path, write, config)


def read_checkpoint_json(path: str | Path, name: str = "config.json") -> dict:
    """One JSON file of a checkpoint folder, checked against config.json's sha256 (if not config)."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{path} is not a checkpoint folder (no config.json); train one with "
                                "`python -m workshop_utils pretrain --preset live`")
    try:
        config = json.loads(config_file.read_text())
        if config.get("format") != FORMAT:
            raise ValueError(f"format {config.get('format')!r}, expected {FORMAT!r}")
    except (json.JSONDecodeError, ValueError, AttributeError) as error:
        raise ValueError(f"{config_file} is damaged or not a workshop checkpoint ({error}); "
                         "retrain it or restore it from git") from None
    if name == "config.json":
        return config
    return json.loads(verified_file(path, config, name).read_text())


def verified_file(path: Path, config: dict, name: str) -> Path:
    """path / name, after checking it against the sha256 that config.json records for it."""
    file = path / name
    expected = config.get("sha256", {}).get(name)
    if expected is None or not file.is_file():
        raise FileNotFoundError(f"checkpoint {path} has no {name}; it is incomplete, save it again")
    if _sha256(file) != expected:
        raise ValueError(f"{file} does not match the sha256 recorded in config.json: it was truncated "
                         "or modified after saving; restore it (git checkout) or retrain")
    return file


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[GPT, Tokenizer, dict]:
    """(model in eval mode, tokenizer, metadata) from a checkpoint folder, every file verified.

    metadata = {"config": config.json, "metrics": metrics.json, "path": str(path)}.
    """
    path = Path(path)
    config = read_checkpoint_json(path)
    try:
        weights = load_file(verified_file(path, config, "model.safetensors"))
    except SafetensorError as error:
        raise ValueError(f"{path / 'model.safetensors'} cannot be read ({error}); retrain it") from None
    model = GPT(GPTConfig(**config["model"]))
    weights = {k: v.float() for k, v in weights.items()}  # 16-bit snapshots compute in float32
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if set(missing) - {TIED_KEY} or unexpected:
        raise ValueError(f"{path} does not fit the model in its config.json (missing {missing}, "
                         f"unexpected {unexpected})")
    tokenizer = load_bpe(verified_file(path, config, "tokenizer.json"))
    metrics = read_checkpoint_json(path, "metrics.json")
    return model.to(device).eval(), tokenizer, {"config": config, "metrics": metrics, "path": str(path)}
