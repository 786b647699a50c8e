"""workshop_utils.train: schedule, optimizer groups, evaluation, the trainer and resuming."""
import math

import pytest
import torch

from workshop_utils.train import (TrainConfig, Trainer, bits_per_char, evaluate_ids,
                                  learning_rate_at, make_optimizer)


def test_learning_rate_warmup_then_cosine_to_minimum():
    config = TrainConfig(max_steps=110, warmup_steps=10, learning_rate=1.0, min_learning_rate=0.1)
    assert learning_rate_at(0, config) == pytest.approx(0.1)  # (0 + 1) / 10 of the peak
    assert learning_rate_at(9, config) == pytest.approx(1.0)
    assert learning_rate_at(10, config) == pytest.approx(1.0)
    assert learning_rate_at(60, config) == pytest.approx(0.55)  # half way down the cosine
    assert learning_rate_at(110, config) == pytest.approx(0.1)
    # with a time budget the cosine follows the larger of the two fractions used
    assert learning_rate_at(10, config, time_fraction=0.5) == pytest.approx(0.55)
    assert learning_rate_at(10, config, time_fraction=2.0) == pytest.approx(0.1)


def test_weight_decay_only_on_matrices(tiny_model):
    model = tiny_model()
    optimizer = make_optimizer(model, TrainConfig(weight_decay=0.1))
    decayed, plain = optimizer.param_groups
    assert decayed["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert all(p.dim() >= 2 for p in decayed["params"]) and all(p.dim() < 2 for p in plain["params"])
    assert len(decayed["params"]) + len(plain["params"]) == len(list(model.parameters()))
    assert any(p is model.lm_head.weight for p in decayed["params"])  # tied matrix, counted once


@pytest.mark.parametrize("bad", [dict(max_steps=0), dict(batch_size=-1), dict(max_seconds=0),
                                 dict(learning_rate=1e-3, min_learning_rate=1e-2)])
def test_train_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)


def test_bits_per_char_definition():
    assert bits_per_char(100 * math.log(2), 50) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        bits_per_char(1.0, 0)


def test_evaluate_ids_matches_model_loss_and_counts_characters(tiny_ids, tiny_tokenizer, tiny_model):
    model = tiny_model().eval()
    result = evaluate_ids(model, tiny_ids[:65], tiny_tokenizer, batch_size=3)  # 4 windows of 16
    inputs, targets = tiny_ids[:64].view(4, 16), tiny_ids[1:65].view(4, 16)
    with torch.no_grad():
        _, loss = model(inputs, targets)
    assert result["tokens"] == 64
    assert result["loss_nats_per_token"] == pytest.approx(loss.item(), rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(loss.item()), rel=1e-5)
    assert result["characters"] == len(tiny_tokenizer.decode(tiny_ids[1:65].tolist()))
    assert result["bits_per_char"] == pytest.approx(result["total_nats"] / (result["characters"] * math.log(2)))


def test_untrained_model_is_near_uniform(tiny_ids, tiny_model):
    result = evaluate_ids(tiny_model(), tiny_ids)
    assert abs(result["loss_nats_per_token"] - math.log(300)) < 0.3


def test_trainer_lowers_the_loss_and_reports_to_callback(tiny_ids, tiny_tokenizer, tiny_model):
    config = TrainConfig(max_steps=40, batch_size=8, learning_rate=1e-2, min_learning_rate=1e-3,
                         warmup_steps=5, eval_interval=20, log_interval=10, eval_tokens=64)
    trainer = Trainer(tiny_model(), tiny_ids, tiny_ids, config, tiny_tokenizer)
    seen = []
    history = trainer.fit(callback=seen.append, progress=False)
    assert [r["step"] for r in history] == [10, 20, 30, 40] and seen == history
    assert [("val_loss" in r) for r in history] == [False, True, False, True]
    assert history[-1]["train_loss"] < history[0]["train_loss"] - 1.0
    assert history[-1]["val_loss"] < math.log(300) - 1.0
    assert trainer.tokens_seen == 40 * 8 * 16
    assert 1e-3 <= history[-1]["lr"] < 1.1e-3  # the cosine has come down to its floor


def test_time_budget_stops_early(tiny_ids, tiny_model):
    config = TrainConfig(max_steps=10**6, max_seconds=0.5, batch_size=2, warmup_steps=1, eval_tokens=32)
    trainer = Trainer(tiny_model(), tiny_ids, tiny_ids, config)
    trainer.fit(progress=False)
    assert trainer.step < config.max_steps  # the time budget ended the run, not max_steps...
    assert config.max_seconds <= trainer.elapsed < config.max_seconds + 10  # ...once spent, promptly
    assert trainer.history[-1]["step"] == trainer.step and "val_loss" in trainer.history[-1]


def test_time_budget_ending_on_a_log_step_still_closes_with_validation(tiny_ids, tiny_model):
    config = TrainConfig(max_steps=100, max_seconds=60, batch_size=2, warmup_steps=1, log_interval=5,
                         eval_interval=50, eval_tokens=32)
    trainer = Trainer(tiny_model(), tiny_ids, tiny_ids, config)
    trainer._out_of_time = lambda start: trainer.step >= 10  # time runs out right after the step-10 record
    trainer.fit(progress=False)
    assert trainer.step == 10 and [r["step"] for r in trainer.history] == [5, 10]
    assert "val_loss" in trainer.history[-1] and "val_loss" not in trainer.history[0]


def test_training_is_seeded(tiny_ids, tiny_model):
    config = TrainConfig(max_steps=6, batch_size=4, warmup_steps=2, log_interval=1, eval_tokens=32)
    first = Trainer(tiny_model(), tiny_ids, tiny_ids, config).fit(progress=False)
    second = Trainer(tiny_model(), tiny_ids, tiny_ids, config).fit(progress=False)
    assert [r["train_loss"] for r in first] == [r["train_loss"] for r in second]
