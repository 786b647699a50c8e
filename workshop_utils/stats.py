"""Binomial 95% intervals for accuracies: every measured share in the workshop comes with one.

An accuracy of k right out of n is a binomial proportion; the Wilson score interval (Wilson 1927)
stays inside [0, 1] and keeps its coverage for small n and for shares near 0 or 1, where the
textbook p +- 1.96 sqrt(p(1-p)/n) does not (it gives [1, 1] for 10 out of 10). Used by
native_choice.py, word_order.py and classifier.py (notebooks 09 and 12).
"""
from __future__ import annotations

import math


def wilson_interval(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% for z = 1.96); stays inside [0, 1]."""
    if total < 1 or not 0 <= correct <= total:
        raise ValueError(f"need 0 <= correct <= total and total >= 1, got {correct} of {total}")
    p, z2 = correct / total, z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z / (1 + z2 / total) * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_with_interval(correct: int, total: int) -> dict:
    """{correct, total, accuracy, low, high}: the share right and its 95% Wilson interval."""
    low, high = wilson_interval(correct, total)
    return {"correct": correct, "total": total, "accuracy": correct / total, "low": low, "high": high}


def format_accuracy(row: dict) -> str:
    """"91.0% [87.3, 93.7] of 300" for a row of accuracy_with_interval."""
    return (f"{100 * row['accuracy']:.1f}% [{100 * row['low']:.1f}, {100 * row['high']:.1f}] "
            f"of {row['total']}")
