"""Every notebook's widgets and figures work in a real browser (headless Debian Chromium).

For each notebook: open a trimmed copy in JupyterLab (the cells up to and including its last
widget; where those took over 20 s in the committed run, only the cells the widgets need, found
from the names they bind and read), wait for the kernel, run the cells, and assert that every
widget is a live control (no "Error displaying widget", no widget repr as plain text), that
figures render, that moving each slider (and choosing another option in each dropdown) of an
explorer changes the output it drives, that an app's button does something, and that the kernel
reported no error. One notebook is also checked in Notebook 7. A negative check proves the
checker fails when the widget extension is switched off. Screenshots: build/screenshots/.
Run alone with `make browser-test`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from .jupyter_browser import PROJECT_ROOT, JupyterServer, check_notebook
from .notebook_plan import NotebookPlan, plan_notebook

# BROWSER_TEST_NOTEBOOKS=folder points the test at other notebooks (used to develop it).
NOTEBOOK_DIR = Path(os.environ.get("BROWSER_TEST_NOTEBOOKS", PROJECT_ROOT / "notebooks"))
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
TIMES = SCREENSHOTS / "browser-test.json"

_results: dict[str, dict] = {}


def _record(name: str, front_end: str, result, mode: str) -> None:
    _results[f"{name} ({front_end})"] = {"seconds": round(result.seconds, 1), "cells run": mode,
                                         "controls_moved": result.controls_moved,
                                         "problems": result.problems}
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    TIMES.write_text(json.dumps(_results, indent=1))


def _report(name: str, result) -> str:
    return f"{name}: " + "; ".join(result.problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_widgets_live_in_jupyterlab(path, chromium_browser, lab_server):
    plan = plan_notebook(path)
    result = check_notebook(chromium_browser, lab_server, plan, SCREENSHOTS / f"{plan.name}.png")
    if result.problems and plan.mode == "slice":  # the slice may lack a cell: run every cell up to the widgets
        plan = plan_notebook(path, slice_if_slower_than=None)
        result = check_notebook(chromium_browser, lab_server, plan, SCREENSHOTS / f"{plan.name}.png")
    _record(plan.name, "JupyterLab", result, plan.mode)
    assert not result.problems, _report(plan.name, result)
    if plan.explorers and plan.sliders + plan.dropdowns:  # other widgets (an app) are checked as live only
        assert result.controls_moved >= 1, f"{plan.name}: no slider or dropdown of an explorer could be driven"


def _notebook7_choice() -> Path | None:
    """01 if it has widgets, else the cheapest notebook with widgets (fewest cells to run)."""
    plans = [(p, plan_notebook(p)) for p in NOTEBOOKS]
    with_widgets = [(p, plan) for p, plan in plans if plan.widget_cells]
    if not with_widgets:
        return NOTEBOOKS[0] if NOTEBOOKS else None
    preferred = [p for p, _ in with_widgets if p.name.startswith("01_")]
    return preferred[0] if preferred else min(with_widgets, key=lambda pair: len(pair[1].notebook.cells))[0]


def test_a_notebook_works_in_notebook7(chromium_browser, tmp_path):
    path = _notebook7_choice()
    if path is None:
        pytest.skip("no notebooks yet")
    plan = plan_notebook(path)
    root = tmp_path / "root"
    root.mkdir()
    with JupyterServer("notebook", root) as server:
        result = check_notebook(chromium_browser, server, plan, SCREENSHOTS / f"{plan.name}-notebook7.png")
    _record(plan.name, "Notebook 7", result, plan.mode)
    assert not result.problems, _report(plan.name + " in Notebook 7", result)


def _known_good_plan() -> NotebookPlan:
    """A tiny notebook with one slider-driven figure: what the checker must accept."""
    code = ["%matplotlib inline\nimport ipywidgets as widgets\nimport matplotlib.pyplot as plt",
            "def draw(n=3):\n    fig, ax = plt.subplots(figsize=(3, 2))\n    ax.bar(range(n), range(n))\n"
            "    plt.show()\n    return n\n\nexplorer = widgets.interactive(draw, n=widgets.IntSlider(3, 1, 9))",
            "display(explorer)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return NotebookPlan(name="known_good_widget", notebook=notebook, widget_cells=[2], sliders=1)


def test_checker_accepts_a_working_widget(chromium_browser, lab_server):
    result = check_notebook(chromium_browser, lab_server, _known_good_plan(), screenshot_path=None)
    assert not result.problems, _report("known-good notebook", result)
    assert result.controls_moved == 1


def test_checker_fails_when_the_widget_extension_is_off(chromium_browser, lab_server):
    """Negative check: with the widget manager disabled, the same notebook must be reported broken."""
    lab_server.disable_widget_extension(True)
    try:
        plan = _known_good_plan()
        plan.name = "widget_extension_off"
        result = check_notebook(chromium_browser, lab_server, plan, screenshot_path=None, drive=False)
    finally:
        lab_server.disable_widget_extension(False)
    assert result.problems, "the checker passed a page whose widget extension was switched off"
    assert any("plain text" in p or "no live widget" in p for p in result.problems), result.problems
