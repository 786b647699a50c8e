"""Seeds, device choice (with overrides) and the doctor report."""
import random

import numpy as np
import pytest
import torch

from workshop_utils import doctor as D
from workshop_utils import runtime as R


def draw():
    return random.random(), np.random.rand(), torch.rand(3)


def test_set_seed_repeats_python_numpy_and_torch():
    R.set_seed(123)
    first = draw()
    R.set_seed(123)
    second = draw()
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2])
    R.set_seed(124)
    assert not torch.equal(draw()[2], first[2])


def test_default_device_is_available(monkeypatch):
    monkeypatch.delenv(R.DEVICE_ENV, raising=False)
    device = R.get_device()
    assert device.type in ("cuda", "mps", "cpu")
    torch.ones(1, device=device)  # usable
    if torch.cuda.is_available():
        assert device.type == "cuda"


def test_default_without_gpu_is_cpu(monkeypatch):
    monkeypatch.delenv(R.DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(R, "_mps_works", lambda: False)
    assert R.get_device() == torch.device("cpu")


def test_override_argument_and_environment(monkeypatch):
    assert R.get_device("cpu") == torch.device("cpu")
    assert R.get_device(" CPU ") == torch.device("cpu")
    monkeypatch.setenv(R.DEVICE_ENV, "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # env var wins over a GPU
    assert R.get_device() == torch.device("cpu")


def test_override_naming_a_missing_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(R, "_mps_works", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA GPU.*use 'cpu'"):
        R.get_device("cuda")
    with pytest.raises(RuntimeError, match="no working Apple GPU"):
        R.get_device("mps")
    monkeypatch.setenv(R.DEVICE_ENV, "cuda:0")
    with pytest.raises(RuntimeError, match=R.DEVICE_ENV):
        R.get_device()


def test_override_naming_a_gpu_index_that_does_not_exist(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(RuntimeError, match="only 1 CUDA device"):
        R.get_device("cuda:3")


def test_unknown_device_name(monkeypatch):
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        R.get_device("tpu")


def test_package_versions():
    versions = D.package_versions(("torch", "surely-not-installed-package"))
    assert versions["torch"].startswith(torch.__version__.split("+")[0])
    assert versions["surely-not-installed-package"] == "MISSING"


def test_widgets_status():
    assert D.widgets_status().startswith(("yes", "no"))


def test_doctor_keys_and_values(capsys):
    report = D.doctor()
    expected = {"python", "platform", "device", "torch threads", "widgets render", "corpus", *D.PACKAGES}
    assert expected <= set(report)
    assert report["corpus"].startswith("ok: 38 plays")
    assert report["torch"] != "MISSING"
    assert int(report["torch threads"]) >= 1
    printed = D.print_doctor()
    out = capsys.readouterr().out
    assert printed.keys() == report.keys()
    assert "corpus" in out and "device" in out


def test_doctor_reports_a_bad_device_instead_of_crashing(monkeypatch):
    monkeypatch.setenv(R.DEVICE_ENV, "tpu")
    assert D.doctor()["device"].startswith("ERROR: unknown device")


def test_doctor_reports_a_missing_corpus(monkeypatch):
    from workshop_utils import data

    def missing(*args, **kwargs):
        raise data.CorpusNotFoundError("not installed; run make lab")

    monkeypatch.setattr(D, "corpus_stats", missing)
    assert D.doctor()["corpus"].startswith("MISSING")


def test_command_line_doctor(capsys):
    from workshop_utils.__main__ import main

    assert main(["doctor"]) == 0
    assert "corpus" in capsys.readouterr().out
