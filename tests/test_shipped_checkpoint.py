"""The shipped checkpoint data/checkpoints/shakespeare-gpt: complete, small, and its figures hold."""
import math
from pathlib import Path

import pytest
import torch

from workshop_utils.pretrain import SHIPPED_CHECKPOINT, VAL_SUBSET_TOKENS
from workshop_utils.recipes import PRESETS
from workshop_utils.text import encode_corpus, train_corpus_tokenizer
from workshop_utils.train import evaluate_ids, load_checkpoint


@pytest.fixture(scope="module")
def shipped():
    return load_checkpoint(SHIPPED_CHECKPOINT)


def test_files_and_size():
    names = sorted(p.name for p in SHIPPED_CHECKPOINT.iterdir())
    assert names == ["config.json", "metrics.json", "model.safetensors", "tokenizer.json"]
    assert sum(p.stat().st_size for p in SHIPPED_CHECKPOINT.iterdir()) <= 25e6


def test_trained_by_the_shipped_preset(shipped):
    model, tokenizer, metadata = shipped
    recipe = PRESETS["shipped"]
    assert metadata["config"]["preset"] == "shipped"
    assert metadata["config"]["model"] == recipe.model.to_dict()
    assert metadata["metrics"]["step"] == recipe.train.max_steps
    assert tokenizer.get_vocab() == train_corpus_tokenizer(recipe.vocab_size).get_vocab()


def test_recorded_figures_are_consistent(shipped):
    metrics = shipped[2]["metrics"]
    loss = metrics["val_loss_nats_per_token"]
    assert metrics["val_perplexity"] == pytest.approx(math.exp(loss))
    assert metrics["val_bits_per_char"] == pytest.approx(
        loss * metrics["val_tokens"] / (metrics["val_characters"] * math.log(2)))


def test_validation_subset_figure_recomputes(shipped):
    model, tokenizer, metadata = shipped
    recorded = metadata["metrics"]["val_subset"]
    subset = encode_corpus(tokenizer, "val")[: VAL_SUBSET_TOKENS + 1]
    with torch.no_grad():
        result = evaluate_ids(model, subset, tokenizer)
    assert result["tokens"] == recorded["tokens"] and result["characters"] == recorded["characters"]
    assert result["bits_per_char"] == pytest.approx(recorded["bits_per_char"], abs=1e-4)
    assert result["loss_nats_per_token"] == pytest.approx(recorded["loss_nats_per_token"], abs=1e-4)


def test_data_folder_stays_small_enough_to_clone_over_conference_wifi():
    data = Path(__file__).resolve().parent.parent / "data"
    total = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
    assert total <= 40 * 2**20, f"data/ holds {total / 2**20:.1f} MiB; keep it under 40 MiB (16-bit snapshots, fewer copies)"
