"""Every notebook starts with the same Colab cell: it installs the workshop on Colab only.

Outside Colab the cell must do nothing: no shell command, no change of folder or import path.
On Colab (simulated here) it clones and installs the workshop and moves into its notebooks/.
"""
from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

NOTEBOOKS = sorted(Path(__file__).resolve().parent.parent.glob("notebooks/[0-9][0-9]_*.ipynb"))

COLAB_CELL = """\
# Colab only: fetch the workshop and install it (does nothing anywhere else)
import os, sys
if "google.colab" in sys.modules and not os.path.isdir("/content/llm-workshop"):
    !git clone -q --depth 1 https://github.com/llm-workshop/from-prompt-to-product /content/llm-workshop
    !pip install -q -e /content/llm-workshop
if "google.colab" in sys.modules:
    sys.path.insert(0, "/content/llm-workshop")
    os.chdir("/content/llm-workshop/notebooks")"""


def first_cell(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["cells"][0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_cell_is_the_colab_cell(path):
    cell = first_cell(path)
    assert cell["cell_type"] == "code", f"{path.name}: the first cell must be the Colab code cell"
    source = "".join(cell["source"]).rstrip("\n")
    assert source == COLAB_CELL, f"{path.name}: the first cell differs from the Colab cell in the brief"


def test_every_notebook_has_the_identical_first_cell():
    sources = {"".join(first_cell(p)["source"]) for p in NOTEBOOKS}
    assert len(sources) <= 1, "the notebooks' first cells differ"


class Recorder:
    """Stands in for IPython (`!` lines), os.chdir and subprocess: records what the cell asks for."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def system(self, command: str) -> None:
        self.calls.append(("shell", command))

    def record(self, kind: str):
        return lambda *args, **kwargs: self.calls.append((kind, " ".join(map(str, args))))


def run_cell(source: str, monkeypatch, on_colab: bool) -> tuple[Recorder, list[str]]:
    recorder = Recorder()
    monkeypatch.setattr(os, "chdir", recorder.record("chdir"))
    monkeypatch.setattr(os, "system", recorder.record("os.system"))
    import subprocess
    for name in ("run", "Popen", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, recorder.record(f"subprocess.{name}"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(os.path, "isdir", lambda p: False if p == "/content/llm-workshop" else os.path.exists(p))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    python = TransformerManager().transform_cell(source)
    assert "!" not in python.replace("!=", ""), "shell lines were not transformed"
    exec(compile(python, "<colab cell>", "exec"), {"get_ipython": lambda: recorder})
    return recorder, list(sys.path)


def sources() -> list[str]:
    return [COLAB_CELL] + ["".join(first_cell(p)["source"]) for p in NOTEBOOKS[:1]]


@pytest.mark.parametrize("source", sources())
def test_the_colab_cell_does_nothing_outside_colab(source, monkeypatch):
    path_before = list(sys.path)
    cwd = Path.cwd()
    recorder, path_after = run_cell(source, monkeypatch, on_colab=False)
    assert recorder.calls == [], f"the Colab cell acted outside Colab: {recorder.calls}"
    assert path_after == path_before and Path.cwd() == cwd


def test_the_colab_cell_installs_the_workshop_on_colab(monkeypatch):
    recorder, path_after = run_cell(COLAB_CELL, monkeypatch, on_colab=True)
    kinds = [kind for kind, _ in recorder.calls]
    assert kinds == ["shell", "shell", "chdir"], recorder.calls
    assert recorder.calls[0][1].startswith("git clone") and "/content/llm-workshop" in recorder.calls[0][1]
    assert recorder.calls[1][1] == "pip install -q -e /content/llm-workshop"
    assert recorder.calls[2][1] == "/content/llm-workshop/notebooks"
    assert path_after[0] == "/content/llm-workshop"
