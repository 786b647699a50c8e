"""Committed notebooks are executed, in order, and start with the same Colab cell."""
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted(Path(__file__).resolve().parent.parent.glob("notebooks/[0-9][0-9]_*.ipynb"))


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_is_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    unrun = sum(count is None for count in counts)
    assert unrun == 0, f"{path.name}: {unrun} code cells have no output; run `make execute`"
    assert counts == sorted(counts), f"{path.name}: cells were run out of order; run `make execute`"
