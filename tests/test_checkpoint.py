"""workshop_utils.train checkpoints: safetensors + JSON, atomic, verified, resumable exactly."""
import ast
import json
from pathlib import Path

import pytest
import torch

from workshop_utils import checkpoint
from workshop_utils.train import (TrainConfig, Trainer, load_checkpoint, read_checkpoint_json,
                                  save_checkpoint)

CONFIG = TrainConfig(max_steps=8, batch_size=4, learning_rate=1e-2, min_learning_rate=1e-3,
                     warmup_steps=2, eval_interval=4, log_interval=1, eval_tokens=48)


def test_round_trip_keeps_weights_tokenizer_and_metrics(tmp_path, tiny_tokenizer, tiny_model):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "ckpt", model, tiny_tokenizer, {"val_bits_per_char": 3.5})
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "metrics.json",
                                                      "model.safetensors", "tokenizer.json"]
    loaded, loaded_tokenizer, metadata = load_checkpoint(path)
    assert not loaded.training
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    assert loaded.lm_head.weight is loaded.transformer.wte.weight  # still tied
    assert loaded_tokenizer.encode("winter").ids == tiny_tokenizer.encode("winter").ids
    assert metadata["metrics"] == {"val_bits_per_char": 3.5}
    assert metadata["config"]["model"] == model.config.to_dict()


def test_half_precision_checkpoint_is_half_the_size_and_loads_as_the_rounded_float32(tmp_path, tiny_tokenizer,
                                                                                   tiny_model):
    model = tiny_model()
    full = save_checkpoint(tmp_path / "fp32", model, tiny_tokenizer)
    half = save_checkpoint(tmp_path / "fp16", model, tiny_tokenizer, weights_dtype="float16")
    size = lambda folder: (folder / "model.safetensors").stat().st_size  # noqa: E731
    assert size(half) < 0.55 * size(full)
    loaded, _, metadata = load_checkpoint(half)
    assert metadata["config"]["weights_dtype"] == "float16"
    for name, value in loaded.state_dict().items():
        assert value.dtype == torch.float32
        assert torch.equal(value, model.state_dict()[name].half().float()), name
    assert not torch.equal(loaded.transformer.h[0].attn.c_attn.weight, model.transformer.h[0].attn.c_attn.weight)
    with pytest.raises(ValueError, match="weights_dtype must be one of"):
        save_checkpoint(tmp_path / "int8", model, tiny_tokenizer, weights_dtype="int8")


UNPICKLERS = {"pickle", "cPickle", "_pickle", "dill", "joblib", "shelve"}


def unpickling_lines(source: str) -> list[int]:
    """Lines that import a pickle library or name torch.load (which unpickles)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            bad = any(alias.name.split(".")[0] in UNPICKLERS for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            bad = (node.module or "").split(".")[0] in UNPICKLERS or (
                node.module == "torch" and any(alias.name == "load" for alias in node.names))
        else:
            bad = (isinstance(node, ast.Attribute) and node.attr == "load"
                   and isinstance(node.value, ast.Name) and node.value.id == "torch")
        if bad:
            lines.append(node.lineno)
    return sorted(lines)


def test_nothing_is_ever_unpickled():
    assert unpickling_lines("import pickle\nfrom torch import load\nstate = torch.load(path)\n") == [1, 2, 3]
    files = sorted(Path(checkpoint.__file__).parent.rglob("*.py"))
    assert {"train.py", "checkpoint.py", "lora.py", "finetune.py"} <= {f.name for f in files}  # adapters too
    found = {f.name: lines for f in files if (lines := unpickling_lines(f.read_text(encoding="utf-8")))}
    assert not found, f"pickle loading at (file: lines) {found}"


def test_no_pickles_anywhere(tmp_path, tiny_ids, tiny_tokenizer, tiny_model):
    trainer = Trainer(tiny_model(), tiny_ids, tiny_ids, CONFIG, tiny_tokenizer)
    trainer.fit(progress=False)
    path = trainer.save(tmp_path / "ckpt")
    files = sorted(path.iterdir())
    assert {"model.safetensors", "config.json"} <= {f.name for f in files}
    for file in files:  # every file is JSON or safetensors (a JSON header, then raw bytes): no pickle
        data = file.read_bytes()
        if file.suffix == ".json":
            json.loads(data)
        else:
            assert file.suffix == ".safetensors", file
            header_length = int.from_bytes(data[:8], "little")
            assert isinstance(json.loads(data[8:8 + header_length]), dict), file


def test_overwrite_is_atomic_and_leaves_no_temporary_folders(tmp_path, tiny_tokenizer, tiny_model):
    save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer, {"round": 1})
    save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer, {"round": 2})
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]
    assert read_checkpoint_json(tmp_path / "ckpt", "metrics.json") == {"round": 2}


def test_failed_save_leaves_the_old_checkpoint(tmp_path, tiny_tokenizer, tiny_model):
    save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer, {"round": 1})
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer, {"bad": object()})
    assert read_checkpoint_json(tmp_path / "ckpt", "metrics.json") == {"round": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]


def test_truncated_weights_give_a_clear_error(tmp_path, tiny_tokenizer, tiny_model):
    path = save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer)
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(ValueError, match="truncated or modified"):
        load_checkpoint(path)


def test_tampered_files_give_a_clear_error(tmp_path, tiny_tokenizer, tiny_model):
    path = save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer, {"val_bits_per_char": 3.5})
    (path / "metrics.json").write_text(json.dumps({"val_bits_per_char": 1.0}))
    with pytest.raises(ValueError, match="sha256"):
        load_checkpoint(path)
    path = save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer)
    data = bytearray((path / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in a weight
    (path / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        load_checkpoint(path)


def test_damaged_or_missing_files(tmp_path, tiny_tokenizer, tiny_model):
    with pytest.raises(FileNotFoundError, match="not a checkpoint folder"):
        load_checkpoint(tmp_path / "nothing")
    path = save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer)
    (path / "tokenizer.json").unlink()
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        load_checkpoint(path)
    (path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="damaged"):
        load_checkpoint(path)


def test_resume_continues_exactly(tmp_path, tiny_ids, tiny_tokenizer, tiny_model):
    uninterrupted = Trainer(tiny_model(), tiny_ids, tiny_ids, CONFIG, tiny_tokenizer)
    uninterrupted.fit(progress=False)

    first_half = Trainer(tiny_model(), tiny_ids, tiny_ids, CONFIG, tiny_tokenizer)
    first_half.fit(progress=False, until_step=3)  # interrupted after 3 of 8 steps
    first_half.save(tmp_path / "ckpt")
    torch.manual_seed(123)  # disturb the global RNG: resume must restore it
    resumed = Trainer.resume(tmp_path / "ckpt", tiny_ids, tiny_ids)
    assert resumed.step == 3
    resumed.fit(progress=False)

    losses = [(r["step"], r["train_loss"], r.get("val_loss")) for r in uninterrupted.history]
    assert [(r["step"], r["train_loss"], r.get("val_loss")) for r in resumed.history] == losses
    for a, b in zip(uninterrupted.model.parameters(), resumed.model.parameters()):
        assert torch.equal(a, b)


def test_resume_needs_training_state(tmp_path, tiny_ids, tiny_tokenizer, tiny_model):
    save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer, train_config=CONFIG)
    with pytest.raises(FileNotFoundError, match="training_state"):
        Trainer.resume(tmp_path / "ckpt", tiny_ids, tiny_ids)
