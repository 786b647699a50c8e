"""One run along the way (workshop_utils/snapshots.py): the snapshots and the final model as one
series, one head's attention at each point, and the refusals when the parts come from other runs."""
import matplotlib
import pytest
import torch

from workshop_utils import plots
from workshop_utils.checkpoint import read_checkpoint_json
from workshop_utils.pretrain import run_pretraining, snapshot_folder
from workshop_utils.recipes import PRESETS
from workshop_utils.snapshots import (attention_over_training, previous_token_over_training,
                                      training_series)

matplotlib.use("Agg")
STEPS = PRESETS["tiny"].train.max_steps


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("series")
    shipped = root / "data" / "tiny-gpt"
    run_pretraining("tiny", root / "run", progress=False, install=shipped, snapshots=(0.0, 0.5))
    return shipped


def test_the_series_is_the_snapshots_then_the_final_model(tiny_run):
    series = training_series(snapshot_folder(tiny_run), tiny_run)
    assert [r["step"] for r in series] == [0, STEPS // 2, STEPS]
    assert [r["label"] for r in series] == ["initial", "50% of the steps", "final"]
    final = read_checkpoint_json(tiny_run, "metrics.json")
    assert series[-1]["val_bits_per_char"] == final["val_bits_per_char"]
    assert series[0]["tokens_seen"] == 0 < series[1]["tokens_seen"] < series[2]["tokens_seen"]
    assert series[0]["val_bits_per_char"] > series[-1]["val_bits_per_char"]  # it learned


def test_one_head_over_training_is_causal_and_changes(tiny_run):
    series = training_series(snapshot_folder(tiny_run), tiny_run)
    ids = torch.arange(10)
    maps = attention_over_training(series, ids, layer=0, head=1)
    assert len(maps) == 3 and all(m.shape == (10, 10) for m in maps)
    for weights in maps:
        assert torch.allclose(weights.sum(-1), torch.ones(10), atol=1e-5)
        assert weights.triu(1).abs().max() == 0  # no token looks ahead, at any point of training
    assert not torch.allclose(maps[0], maps[-1])  # training moved the head
    scores = previous_token_over_training(series, ids.unsqueeze(0))
    assert [tuple(s.shape) for s in scores] == [(2, 2)] * 3
    with pytest.raises(ValueError, match="layer must be in 0..1 and head in 0..1"):
        attention_over_training(series, ids, layer=2, head=0)
    with pytest.raises(ValueError, match=r"one sequence \(T,\)"):
        attention_over_training(series, ids.unsqueeze(0), layer=0, head=0)


def test_parts_of_another_run_are_refused(tiny_run, tiny_tokenizer, tmp_path):
    from workshop_utils.checkpoint import load_checkpoint, save_checkpoint

    model, tokenizer, meta = load_checkpoint(tiny_run)
    early = save_checkpoint(tmp_path / "early", model, tokenizer, {**meta["metrics"], "step": STEPS // 2})
    with pytest.raises(ValueError, match="not before the final model's 2: it is not from this run"):
        training_series(snapshot_folder(tiny_run), early)  # a final model no later than a snapshot
    other = save_checkpoint(tmp_path / "other", model, tiny_tokenizer, meta["metrics"])
    with pytest.raises(ValueError, match="another tokenizer"):
        training_series(snapshot_folder(tiny_run), other)
    with pytest.raises(FileNotFoundError, match="make pretrain"):
        training_series(tmp_path / "none", tiny_run)


def test_series_figures_draw(tiny_run):
    series = training_series(snapshot_folder(tiny_run), tiny_run)
    fig = plots.plot_training_series(series)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines[0].get_xdata()) == 2  # trained points on the curve
    assert ax.lines[1].get_ydata()[0] == pytest.approx(series[0]["val_bits_per_char"])  # initial: a line
    maps = attention_over_training(series, torch.arange(6), layer=0, head=0)
    fig = plots.plot_attention_over_training(maps, [str(i) for i in range(6)], [r["label"] for r in series])
    assert [a.get_title() for a in fig.axes] == [r["label"] for r in series]
    with pytest.raises(ValueError, match="one title per map"):
        plots.plot_attention_over_training(maps, [str(i) for i in range(6)], ["one"])
