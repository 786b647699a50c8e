"""Friendly self-checks for exercises: a clear verdict instead of a bare AssertionError."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch


class ExerciseNotDone(AssertionError):
    """Raised when an exercise still holds its stub or gives a wrong answer."""


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value, dtype=float)


def check_close(name: str, got: Any, expected: Any, tolerance: float = 1e-4) -> str:
    """Compare a learner's answer with the expected one; print and return a verdict."""
    if got is None or got is Ellipsis:
        raise ExerciseNotDone(f"{name}: not answered yet; replace the `...` with your code.")
    try:
        got_array, expected_array = _as_array(got), _as_array(expected)
    except (TypeError, ValueError):
        raise ExerciseNotDone(f"{name}: expected numbers, got {type(got).__name__}") from None
    if got_array.shape != expected_array.shape:
        raise ExerciseNotDone(f"{name}: shape {tuple(got_array.shape)} but expected "
                              f"{tuple(expected_array.shape)}; check which axis you reduced.")
    worst = float(np.max(np.abs(got_array - expected_array))) if got_array.size else 0.0
    if not worst <= tolerance:
        raise ExerciseNotDone(f"{name}: not quite; largest difference {worst:.3g} "
                              f"(allowed {tolerance:g}). Look again at the formula.")
    verdict = f"✅ {name}: correct"
    print(verdict)
    return verdict


def check_true(name: str, condition: Callable[[], bool] | bool, hint: str) -> str:
    """Pass when `condition` holds; otherwise fail with the hint."""
    try:
        ok = condition() if callable(condition) else condition
    except Exception as error:  # the learner's code raised: report it, with the hint
        raise ExerciseNotDone(f"{name}: your code raised {type(error).__name__}: {error}. {hint}") from None
    if not ok:
        raise ExerciseNotDone(f"{name}: not yet. {hint}")
    verdict = f"✅ {name}: correct"
    print(verdict)
    return verdict


def assert_near(name: str, value: float, reference: float, tolerance: float) -> None:
    """Assert that a figure that varies from machine to machine lies within `tolerance` of the
    committed one. A run's last digits depend on the CPU's kernels, the thread count or the GPU,
    and training turns them into other weights; the committed outputs came from one machine."""
    if not abs(float(value) - float(reference)) <= tolerance:
        raise AssertionError(f"{name} = {float(value):.4g}, outside the band {reference:g} ± {tolerance:g} "
                             "around the committed run: more than another machine's arithmetic explains")
