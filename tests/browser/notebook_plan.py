"""Which cells of a notebook the browser test runs, and what the committed outputs promise.

A copy of each notebook is trimmed to the cells up to and including its last interactive widget
(or its first figure when it has none), outputs cleared. Where those cells took over
PREFIX_BUDGET_SECONDS in the committed run, only the cells the widgets need are kept, found from
the names each cell binds and reads (a cell that only changes an object in place, such as a
training loop, is then left out: the widgets still render and respond, on an untrained model).
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Widget models that only lay out or report (progress bars, labels): not something to drive.
PASSIVE_MODELS = {"HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel", "HTMLModel", "HTMLMathModel",
                  "LabelModel", "OutputModel", "FloatProgressModel", "IntProgressModel", "ImageModel",
                  "ValidModel", "TabModel", "AccordionModel", "StackModel"}
INTERACTIVE = "interactive"  # marks an ipywidgets.interactive (a box with class widget-interact)
MAX_CELLS_WITHOUT_WIDGETS = 8
# Above this many seconds (committed run) of cells before the last widget, run only what it needs.
PREFIX_BUDGET_SECONDS = 20.0


@dataclass
class NotebookPlan:
    """The trimmed copy of one notebook the browser runs, and what its committed outputs promise."""

    name: str
    notebook: nbformat.NotebookNode
    widget_cells: list[int] = field(default_factory=list)  # positions among the copy's code cells
    sliders: int = 0  # slider controls the committed widget state says the widget cells hold
    dropdowns: int = 0
    explorers: int = 0  # `interactive` explorers among them (the ones whose controls are driven)
    images: int = 0  # static figures in the committed outputs of the kept cells
    mode: str = "prefix"  # "prefix": every cell up to the last widget; "slice": only what it needs
    source: Path | None = None


def _widget_models(notebook: nbformat.NotebookNode) -> dict[str, dict]:
    return notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _descendants(model_id: str, models: dict[str, dict]) -> list[str]:
    """Model names of a widget and everything it contains (children, and the like)."""
    seen, stack, names = set(), [model_id], []
    while stack:
        current = stack.pop()
        if current in seen or current not in models:
            continue
        seen.add(current)
        names.append(models[current]["model_name"])
        if "widget-interact" in models[current].get("state", {}).get("_dom_classes", []):
            names.append(INTERACTIVE)
        for value in models[current].get("state", {}).values():
            refs = value if isinstance(value, list) else [value]
            stack += [ref[len("IPY_MODEL_"):] for ref in refs
                      if isinstance(ref, str) and ref.startswith("IPY_MODEL_")]
    return names


def _widget_names(cell: nbformat.NotebookNode, models: dict[str, dict]) -> list[str] | None:
    """Model names displayed by a code cell; None if it shows a widget the state does not describe."""
    names: list[str] = []
    for output in cell.get("outputs", []):
        view = output.get("data", {}).get(WIDGET_VIEW)
        if view is None:
            continue
        if view.get("model_id") not in models:
            return None
        names += _descendants(view["model_id"], models)
    return names


def _raises(cell: nbformat.NotebookNode) -> bool:
    """A cell that teaches an error (Run All would stop there): left out of the browser copy."""
    return ("NBVAL_RAISES_EXCEPTION" in cell.source.split("\n", 1)[0]
            or "raises-exception" in cell.metadata.get("tags", []))


def _seconds(cell: nbformat.NotebookNode) -> float:
    """How long the cell took when the committed notebook was executed (nbclient's timings)."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda value: datetime.fromisoformat(value.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


class _Names(ast.NodeVisitor):
    """Names code binds at top level, names it changes in place (`d[k] = v`, `obj.x = v`, at any
    depth), functions it calls, and every name it reads (also inside functions)."""

    def __init__(self):
        self.bound, self.changed, self.called, self.used, self.depth = set(), set(), set(), set(), 0

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.used.add(node.id)
        elif self.depth == 0:
            self.bound.add(node.id)

    def _target(self, node):
        if isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                self.changed.add(base.id)
        self.generic_visit(node)

    visit_Subscript = visit_Attribute = _target

    def visit_Global(self, node):
        self.changed.update(node.names)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name):
            self.called.add(node.func.id)
        self.generic_visit(node)

    def visit_alias(self, node):
        if self.depth == 0:
            self.bound.add((node.asname or node.name).split(".")[0])

    def _scope(self, node):
        if self.depth == 0 and hasattr(node, "name"):
            self.bound.add(node.name)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _scope


def _visit(code: str | ast.AST) -> _Names:
    visitor = _Names()
    try:
        visitor.visit(ast.parse(TransformerManager().transform_cell(code)) if isinstance(code, str) else code)
    except SyntaxError:
        pass
    return visitor


def function_effects(sources: list[str]) -> dict[str, set[str]]:
    """For each function a notebook defines at top level: the global names it changes in place."""
    effects: dict[str, set[str]] = {}
    for source in sources:
        try:
            tree = ast.parse(TransformerManager().transform_cell(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                effects[node.name] = _visit(node).changed
    return effects


def names_bound_and_used(code: str | ast.AST, effects: dict[str, set[str]] | None = None
                         ) -> tuple[set[str], set[str]]:
    """(names a cell's code binds or changes, names it reads), IPython syntax allowed. A call to a
    notebook function counts as changing what that function changes (`effects`)."""
    names = _visit(code)
    bound = names.bound | names.changed
    for function in names.called:
        bound |= (effects or {}).get(function, set())
    return bound, names.used


def cells_needed(sources: list[str], targets: list[int]) -> list[int]:
    """The target cells plus every earlier cell that binds or changes a name they (transitively)
    read, and any cell starting with a %magic (e.g. `%matplotlib inline`). Positions, in order."""
    effects = function_effects(sources)
    chosen, needed = set(targets), set()
    for position in range(max(targets), -1, -1):
        bound, used = names_bound_and_used(sources[position], effects)
        if position in chosen or bound & needed or sources[position].lstrip().startswith("%"):
            chosen.add(position)
            needed |= used
    return sorted(chosen)


def plan_notebook(path: Path, slice_if_slower_than: float | None = PREFIX_BUDGET_SECONDS) -> NotebookPlan:
    """Read a committed notebook and decide which cells the browser runs and what it must see.

    Runs every cell up to and including the last interactive widget (or the first figure when
    there is none); when those cells took longer than `slice_if_slower_than` seconds in the
    committed run, only the cells the widgets (and the first figure) need, by the names they read.
    """
    notebook = nbformat.read(path, as_version=4)
    models = _widget_models(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip() and not _raises(c)]
    widget_cells = []
    for position, cell in enumerate(code):
        names = _widget_names(cell, models)
        has_view = any(WIDGET_VIEW in o.get("data", {}) for o in cell.get("outputs", []))
        interactive = names is None or any(n not in PASSIVE_MODELS and not n.endswith(("LayoutModel", "StyleModel"))
                                           for n in names)
        if has_view and interactive:
            widget_cells.append(position)
    with_image = [i for i, c in enumerate(code) if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    if widget_cells:
        keep = list(range(widget_cells[-1] + 1))
    else:  # no widgets: run up to the first figure, to see figures render
        keep = list(range(with_image[0] + 1 if with_image else min(len(code), MAX_CELLS_WITHOUT_WIDGETS)))
    mode = "prefix"
    if keep and slice_if_slower_than is not None and sum(_seconds(code[i]) for i in keep) > slice_if_slower_than:
        sources = [c.source for c in code]
        first_figure = [i for i in with_image[:1] if not widget_cells or  # ...when it is cheap to reach
                        sum(_seconds(code[j]) for j in cells_needed(sources, [i])) < 5]
        targets = widget_cells + first_figure
        if targets:
            keep, mode = cells_needed(sources, targets), "slice"
            if keep[0] != 0:
                keep.insert(0, 0)  # the Colab cell (a no-op here), as a learner runs it
    names = [n for i in widget_cells for n in (_widget_names(code[i], models) or [])]
    kept_ids = {id(code[i]) for i in keep}
    last = max(i for i, c in enumerate(notebook.cells) if id(c) in kept_ids) if keep else -1
    trimmed = copy.deepcopy(notebook)
    trimmed.metadata.pop("widgets", None)
    trimmed.cells = [c if c.cell_type != "code" else nbformat.v4.new_code_cell(c.source, metadata=c.metadata)
                     for c in notebook.cells[:last + 1] if c.cell_type != "code" or id(c) in kept_ids]
    return NotebookPlan(
        name=path.stem, notebook=trimmed, widget_cells=[keep.index(w) for w in widget_cells],
        sliders=sum(n.endswith("SliderModel") for n in names),
        dropdowns=sum(n == "DropdownModel" for n in names),
        explorers=sum(n == INTERACTIVE for n in names),
        images=sum("image/png" in o.get("data", {}) for i in keep for o in code[i].get("outputs", [])),
        mode=mode, source=path,
    )
