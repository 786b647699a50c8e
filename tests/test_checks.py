"""Exercise self-checks: a friendly verdict, and ExerciseNotDone for stubs and wrong answers."""
import numpy as np
import pytest
import torch

from workshop_utils.checks import ExerciseNotDone, check_close, check_true


def test_check_close_passes_and_prints(capsys):
    assert check_close("sum", torch.tensor([1.0, 2.0]), [1.0, 2.00001]) == "✅ sum: correct"
    assert "✅ sum: correct" in capsys.readouterr().out
    check_close("scalar", 0.5, np.float64(0.5))
    check_close("int list", [1, 2, 3], torch.tensor([1, 2, 3]))


@pytest.mark.parametrize("stub", [None, ...])
def test_stub_answers_are_not_done(stub):
    with pytest.raises(ExerciseNotDone, match="not answered yet"):
        check_close("x", stub, 1.0)


def test_wrong_shape_and_wrong_value():
    with pytest.raises(ExerciseNotDone, match="shape"):
        check_close("x", torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ExerciseNotDone, match="largest difference"):
        check_close("x", [1.0, 2.5], [1.0, 2.0])
    with pytest.raises(ExerciseNotDone):
        check_close("x", [float("nan")], [1.0])  # NaN is never close
    with pytest.raises(ExerciseNotDone, match="expected numbers"):
        check_close("x", "banana", 1.0)


def test_tolerance():
    check_close("x", 1.05, 1.0, tolerance=0.1)
    with pytest.raises(ExerciseNotDone):
        check_close("x", 1.05, 1.0, tolerance=0.01)


def test_exercise_not_done_is_an_assertion_error():
    assert issubclass(ExerciseNotDone, AssertionError)


def test_check_true(capsys):
    assert check_true("ok", True, "hint") == "✅ ok: correct"
    assert check_true("callable", lambda: 1 + 1 == 2, "hint").startswith("✅")
    with pytest.raises(ExerciseNotDone, match="not yet. try harder"):
        check_true("no", False, "try harder")
    with pytest.raises(ExerciseNotDone, match="raised ZeroDivisionError.*the hint"):
        check_true("boom", lambda: 1 / 0, "the hint")
    with pytest.raises(ExerciseNotDone):
        check_true("stub function", lambda: (lambda: None)() is not None, "return something")
