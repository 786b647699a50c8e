"""batching.batching_speedup: a batch against a loop of blocks, warmed up and repeated (notebook 05)."""
import time

import pytest
import torch

from workshop_utils.batching import batching_speedup


class FixedCostLayer:
    """Costs the same time per call whatever its input: a batch of B blocks is B times cheaper."""

    def __init__(self, seconds: float):
        self.seconds, self.calls = seconds, 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        time.sleep(self.seconds)
        return 2 * x


def test_a_fixed_cost_per_call_makes_the_batch_as_many_times_faster_as_there_are_blocks():
    layer = FixedCostLayer(0.002)
    result = batching_speedup(layer, torch.ones(4, 3, 2), repeats=3, number=2, warmup=1)
    assert set(result) == {"one_by_one_seconds", "batch_seconds", "ratio"}
    assert 2.5 < result["ratio"] < 4.5
    assert result["one_by_one_seconds"] > result["batch_seconds"] >= 0.002
    assert layer.calls == (1 + 3 * 2) * (4 + 1)  # warm-up and every timed call, both ways


def test_a_real_layer_runs_and_the_ratio_is_positive():
    result = batching_speedup(torch.nn.Linear(8, 8), torch.randn(5, 4, 8), repeats=3, number=2)
    assert result["ratio"] > 0 and result["batch_seconds"] > 0


@pytest.mark.parametrize("bad", [dict(repeats=0), dict(number=-1)])
def test_bad_counts_are_clear_errors(bad):
    with pytest.raises(ValueError):
        batching_speedup(torch.nn.Linear(2, 2), torch.ones(2, 1, 2), **bad)
