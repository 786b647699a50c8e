"""Retraining never touches data/ until it has finished; adapters are saved like checkpoints;
`pretrain --text FILE` trains on a learner's own text."""
import hashlib
import json
import os
import random
import signal
from pathlib import Path

import pytest
import torch

from workshop_utils.__main__ import build_parser, finetune_outputs, main
from workshop_utils.checkpoint import install, load_checkpoint, save_checkpoint
from workshop_utils.lora import LoRAConfig, apply_lora, load_adapter, lora_layers, save_adapter
from workshop_utils.paths import CHECKPOINT_DIR, DATA_DIR
from workshop_utils.pretrain import SHIPPED_CHECKPOINT, run_pretraining, text_split_ids
from workshop_utils.train import Trainer


def file_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def made_up_text(n_lines: int = 1200, seed: int = 0) -> str:
    """A generated, non-Shakespeare text: simple sentences about cats, ships and weather."""
    rng = random.Random(seed)
    subjects = ["the cat", "a ship", "my neighbour", "the rain", "our robot", "the old clock"]
    verbs = ["watches", "follows", "paints", "forgets", "carries", "answers"]
    things = ["the harbour", "a blue kite", "seven lanterns", "the morning bus", "a quiet song"]
    return "\n".join(f"{rng.choice(subjects).capitalize()} {rng.choice(verbs)} {rng.choice(things)}."
                     for _ in range(n_lines)) + "\n"


@pytest.mark.parametrize("interrupt", ["exception", "signal"])
def test_interrupted_retraining_leaves_every_shipped_file_byte_identical(tmp_path, monkeypatch, interrupt):
    before = file_hashes(CHECKPOINT_DIR)
    real_save, saves = Trainer.save, []

    def save_then_interrupt(self, path, *args, **kwargs):
        result = real_save(self, path, *args, **kwargs)
        saves.append(Path(path))
        if len(saves) == 1:  # right after the first periodic save
            if interrupt == "signal":
                os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends: KeyboardInterrupt here
            raise RuntimeError("the laptop went to sleep")
        return result

    monkeypatch.setattr(Trainer, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt if interrupt == "signal" else RuntimeError):
        run_pretraining("tiny", out=tmp_path / "run", steps=8, checkpoint_interval=2, progress=False,
                        install=SHIPPED_CHECKPOINT)
    assert saves == [tmp_path / "run"]  # the periodic save went to the run folder
    assert json.loads((tmp_path / "run" / "training_state.json").read_text())["step"] == 2
    assert file_hashes(CHECKPOINT_DIR) == before
    assert not [p for p in CHECKPOINT_DIR.parent.rglob(".*tmp-*")]  # no staging folder left behind


def test_a_finished_run_installs_atomically_with_its_metrics(tmp_path):
    destination = tmp_path / "shipped"
    metrics = run_pretraining("tiny", out=tmp_path / "run", progress=False, install=destination)
    run_files = {p.name for p in (tmp_path / "run").iterdir()}
    assert {"training_state.json", "training_state.safetensors"} <= run_files  # the run can resume
    assert sorted(p.name for p in destination.iterdir()) == [
        "config.json", "metrics.json", "model.safetensors", "tokenizer.json"]
    model, _, info = load_checkpoint(destination)  # every file verified
    assert info["metrics"]["val_bits_per_char"] == metrics["val_bits_per_char"] > 0
    assert info["metrics"]["step"] == 4 and oct(destination.stat().st_mode & 0o777) == "0o755"
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in destination.iterdir())


def test_install_is_refused_for_presets_without_a_shipped_folder_and_onto_itself(tmp_path):
    with pytest.raises(ValueError, match="only --preset shipped has a shipped destination"):
        run_pretraining("tiny", out=tmp_path / "run", install=True)
    with pytest.raises(ValueError, match="is the shipped folder itself"):
        run_pretraining("shipped", out=SHIPPED_CHECKPOINT, install=True)


def test_install_of_a_damaged_run_is_refused_and_an_interrupted_copy_changes_nothing(
        tmp_path, tiny_model, tiny_tokenizer, monkeypatch):
    run = save_checkpoint(tmp_path / "run", tiny_model(1), tiny_tokenizer, {"round": 2})
    shipped = save_checkpoint(tmp_path / "shipped", tiny_model(0), tiny_tokenizer, {"round": 1})
    before = file_hashes(shipped)
    original = (run / "metrics.json").read_text()
    (run / "metrics.json").write_text("{}")
    with pytest.raises(ValueError, match="does not match the sha256"):
        install(run, shipped)
    (run / "metrics.json").write_text(original)
    copies = []

    def failing_copy(source, target):
        copies.append(source)
        if len(copies) == 2:
            raise OSError("disk full")
        return real_copy(source, target)

    import shutil
    real_copy = shutil.copyfile
    monkeypatch.setattr(shutil, "copyfile", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        install(run, shipped)
    monkeypatch.undo()
    assert file_hashes(shipped) == before
    install(run, shipped)
    assert json.loads((shipped / "metrics.json").read_text()) == {"round": 2}
    result = tmp_path / "result.json"
    result.write_text('{"rows": []}\n')
    install(result, tmp_path / "results" / "shipped.json")
    assert (tmp_path / "results" / "shipped.json").read_text() == '{"rows": []}\n'


def test_every_finetune_task_takes_out_and_install_and_writes_only_there(tmp_path):
    args = build_parser().parse_args(["finetune", "--task", "lora-genre", "--out", str(tmp_path), "--install"])
    assert (args.task, args.out, args.install) == ("lora-genre", str(tmp_path), True)
    outputs = finetune_outputs(tmp_path)
    assert set(outputs) == {"instruct", "lora-genre", "genre-curve", "lora-vs-full"}
    for task, (written, shipped) in outputs.items():
        assert written.parent == tmp_path, task  # the run writes into --out
        assert DATA_DIR in shipped.parents and shipped.exists(), task  # --install replaces a shipped file
    with pytest.raises(SystemExit):  # a mistyped flag is an error, not ignored
        main(["finetune", "--task", "instruct", "--ouy", str(tmp_path)])


def test_adapters_are_hash_checked_refuse_another_base_and_are_readable(tmp_path, tiny_model):
    model = tiny_model(0)
    apply_lora(model, LoRAConfig(r=2, alpha=4, targets=("c_attn",)))
    with torch.no_grad():
        for layer in lora_layers(model).values():
            layer.lora_B.normal_()
    folder = save_adapter(model, tmp_path / "adapter", task="test")
    config = json.loads((folder / "adapter.json").read_text())
    assert set(config["sha256"]) == {"adapter.safetensors"} and len(config["base_fingerprint"]) == 64
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in folder.iterdir())
    assert load_adapter(tiny_model(0), folder)["task"] == "test"
    with pytest.raises(ValueError, match="trained on other base weights"):
        load_adapter(tiny_model(1), folder)  # same shapes, other weights
    with pytest.raises(ValueError, match="match no Linear layer|another shape|other base"):
        load_adapter(tiny_model(0, vocab_size=200), folder)
    data = bytearray((folder / "adapter.safetensors").read_bytes())
    data[-1] ^= 1
    (folder / "adapter.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="does not match the sha256"):
        load_adapter(tiny_model(0), folder)


def test_the_shipped_adapter_matches_the_shipped_base():
    from workshop_utils.finetune import load_genre_classifier

    classifier, _, config = load_genre_classifier()
    assert config["format"] == "workshop-lora-adapter/2" and config["lora"].r == 8
    assert len(config["layers"]) == classifier.gpt.config.n_layer  # c_attn of every block
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in (CHECKPOINT_DIR / "lora-genre").iterdir())


def test_text_split_holds_out_the_end_and_learns_the_tokenizer_from_the_rest():
    text = made_up_text()
    tokenizer, train_ids, val_ids = text_split_ids(text, 300, 32)
    assert tokenizer.decode(val_ids.tolist()) + tokenizer.decode(train_ids.tolist()) != text
    assert tokenizer.decode(train_ids.tolist()) + tokenizer.decode(val_ids.tolist()) == text
    assert 0.08 < len(val_ids) / (len(train_ids) + len(val_ids)) < 0.12
    with pytest.raises(ValueError, match="too little to split"):
        text_split_ids("a", 300, 32)
    with pytest.raises(ValueError, match="fewer than one context window"):
        text_split_ids("a b c\n" * 30, 300, 128)
    with pytest.raises(TypeError, match="read a file"):
        text_split_ids(Path("book.txt"), 300, 32)


def test_pretrain_text_trains_the_preset_on_a_learners_own_text(tmp_path, capsys):
    book = tmp_path / "my_book.txt"
    book.write_text(made_up_text(), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["pretrain", "--text", str(book), "--preset", "tiny", "--steps", "30",
                 "--out", str(out), "--no-progress"]) == 0
    model, tokenizer, info = load_checkpoint(out)
    assert info["config"]["command"].endswith("--text FILE")
    assert info["metrics"]["step"] == 30 and info["metrics"]["val_bits_per_char"] < 8
    history = info["metrics"]["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]  # it learned something of this text
    assert "sample: " in capsys.readouterr().out
    assert "robot" in tokenizer.decode(tokenizer.encode(" our robot").ids)  # its own tokenizer
    with pytest.raises(SystemExit, match="no --install"):
        main(["pretrain", "--text", str(book), "--install"])
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1") * 100)
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        main(["pretrain", "--text", str(tmp_path / "latin1.txt"), "--preset", "tiny"])
    with pytest.raises(FileNotFoundError, match="no text file"):
        main(["pretrain", "--text", str(tmp_path / "missing.txt")])


def test_snapshots_are_16_bit_copies_along_the_run_scored_as_stored(tmp_path):
    from workshop_utils.model import GPT
    from workshop_utils.pretrain import load_snapshots, snapshot_folder
    from workshop_utils.recipes import PRESETS
    from workshop_utils.runtime import set_seed
    from workshop_utils.text import encode_corpus
    from workshop_utils.train import evaluate_ids

    shipped = tmp_path / "data" / "tiny-gpt"
    run_pretraining("tiny", tmp_path / "run", progress=False, install=shipped, snapshots=(0.0, 0.5))
    snapshots = load_snapshots(snapshot_folder(shipped))
    assert [s["step"] for s in snapshots] == [0, PRESETS["tiny"].train.max_steps // 2]
    assert [s["path"].name for s in snapshots] == ["step-000000", "step-000002"]
    first, tokenizer, meta = load_checkpoint(snapshots[0]["path"])
    assert meta["config"]["weights_dtype"] == "float16"
    set_seed(PRESETS["tiny"].train.seed)
    initial = GPT(first.config)  # the run's initial weights, rounded to 16 bits
    for name, value in first.state_dict().items():
        assert torch.equal(value, initial.state_dict()[name].half().float()), name
    val = encode_corpus(tokenizer, "val")
    assert evaluate_ids(first, val, tokenizer)["bits_per_char"] == pytest.approx(snapshots[0]["val_bits_per_char"], rel=1e-6)
    final = load_checkpoint(shipped)[2]["metrics"]["val_bits_per_char"]
    assert snapshots[0]["val_bits_per_char"] > snapshots[1]["val_bits_per_char"] > final  # it learns
    with pytest.raises(FileNotFoundError, match="make pretrain"):
        load_snapshots(tmp_path / "none")
