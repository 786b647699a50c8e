"""Notebook 12: compose two transformations of arc.py and see whether they solve a task."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..arc import TRANSFORMATIONS, run_program
from ..plots.arc import draw_grid


def explore_arc_program(task: dict, first: str = "identity", second: str = "identity",
                        draw: bool = True) -> dict:
    """Apply first then second transformation to every input of an ARC task: does it fit?"""
    program = [name for name in (first, second) if name != "identity"] or ["identity"]
    pairs = task["train"] + task["test"]
    try:
        produced = [run_program(program, pair["input"]) for pair in pairs]
    except ValueError as error:
        print(f"{' then '.join(program)}: {error}")
        return {"program": program, "fits_train": False, "solves_test": False, "figure": None}
    fits = [out == pair["output"] for out, pair in zip(produced, pairs)]
    n_train = len(task["train"])
    result = {"program": program, "fits_train": all(fits[:n_train]), "solves_test": all(fits[n_train:])}
    print(f"{' then '.join(program)}: fits {sum(fits[:n_train])}/{n_train} training pairs; "
          f"test {'solved' if result['solves_test'] else 'not solved'}")
    figure = None
    if draw:
        figure, axes = plt.subplots(2, len(pairs), figsize=(2.1 * len(pairs), 4.2), squeeze=False)
        for i, (out, pair, ok) in enumerate(zip(produced, pairs, fits)):
            draw_grid(axes[0, i], pair["output"], "expected")
            draw_grid(axes[1, i], out, "program: " + ("same" if ok else "differs"))
        plt.show()
    result["figure"] = figure
    return result


def arc_explorer(tasks: dict[str, dict], draw: bool = True) -> widgets.interactive:
    """Dropdowns: a task, then two transformations from the solver's vocabulary."""
    names = list(TRANSFORMATIONS)
    return widgets.interactive(
        lambda task, first, second: explore_arc_program(tasks[task], first, second, draw),
        task=widgets.Dropdown(options=list(tasks), description="task"),
        first=widgets.Dropdown(options=names, value="identity", description="first"),
        second=widgets.Dropdown(options=names, value="identity", description="then"))
