"""Binomial 95% intervals (workshop_utils/stats.py): the Wilson score interval and the accuracy
rows every measured share in the workshop is reported with."""
import pytest

from workshop_utils import native_choice, stats


def test_wilson_interval_reference_values():
    assert stats.wilson_interval(5, 10) == pytest.approx((0.236590, 0.763410), abs=1e-6)
    assert stats.wilson_interval(0, 10) == pytest.approx((0.0, 0.38416 / 1.38416), abs=1e-6)
    assert stats.wilson_interval(10, 10) == pytest.approx((1 / 1.38416, 1.0), abs=1e-6)  # not [1, 1]
    assert stats.wilson_interval(273, 300) == pytest.approx((0.872222, 0.937410), abs=1e-6)  # by hand


def test_the_interval_is_symmetric_narrows_with_n_and_widens_with_z():
    for correct, total in [(1, 7), (30, 100), (299, 300)]:
        low, high = stats.wilson_interval(correct, total)
        mirrored = stats.wilson_interval(total - correct, total)
        assert (low, high) == pytest.approx((1 - mirrored[1], 1 - mirrored[0]))
        assert 0 <= low <= correct / total <= high <= 1
    width = [b - a for a, b in (stats.wilson_interval(n // 2, n) for n in (10, 100, 1000))]
    assert width[0] > width[1] > width[2]
    assert stats.wilson_interval(5, 10, z=2.576)[0] < stats.wilson_interval(5, 10)[0]  # 99% is wider


def test_accuracy_with_interval_row_and_its_text():
    row = stats.accuracy_with_interval(273, 300)
    assert list(row) == ["correct", "total", "accuracy", "low", "high"]
    assert (row["correct"], row["total"], row["accuracy"]) == (273, 300, 0.91)
    assert (row["low"], row["high"]) == stats.wilson_interval(273, 300)
    assert stats.format_accuracy(row) == "91.0% [87.2, 93.7] of 300"


def test_one_interval_for_the_whole_package():
    assert native_choice.wilson_interval is stats.wilson_interval


def test_impossible_counts_say_what_is_wrong():
    for correct, total in [(0, 0), (-1, 10), (11, 10)]:
        with pytest.raises(ValueError, match="total >= 1"):
            stats.accuracy_with_interval(correct, total)
