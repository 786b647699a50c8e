"""The student edition (`make student`): stubs instead of solutions, self-checks kept and failing.

For every notebook with exercises:
- the notebooks follow the exercise convention (exercise markdown -> solution -> self-check);
- no solution text survives in the student edition: answers are `...`, function bodies are `...`,
  solution and self-check outputs are cleared;
- each self-check raises ExerciseNotDone on the stubs (executed in a fresh kernel: the stubs and
  self-checks plus the earlier cells they depend on, found from the names they use; if that slice
  is not enough, every cell before the last exercise);
- each self-check passes on the solutions: the committed instructor notebook shows its verdict
  (nbval re-executes the instructor notebooks and compares these outputs).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
import build_student  # noqa: E402
from browser.notebook_plan import names_bound_and_used  # noqa: E402

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _with_exercises(paths):
    return [p for p in paths if build_student.exercises(nbformat.read(p, as_version=4))]


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    build_student.build(NOTEBOOKS, out)
    return out


def test_stub_keeps_signatures_and_docstrings_only():
    source = ('import math\n\nscale = math.sqrt(2) * 3\nfirst, (second, third) = 1, (2, 3)\n'
              'limit: int = 7\n\n@staticmethod\ndef area(radius: float,\n         pi=math.pi) -> float:\n'
              '    """Area of a circle."""\n    squared = radius ** 2\n    return pi * squared\n\n'
              'def double(x): return 2 * x\n')
    stub = build_student.stub_solution(source)
    assert stub == ('import math\nscale = ...  # your code here\nfirst = ...  # your code here\n'
                    'second = ...  # your code here\nthird = ...  # your code here\n'
                    'limit: int = ...  # your code here\n\n@staticmethod\ndef area(radius: float,\n'
                    '         pi=math.pi) -> float:\n    """Area of a circle."""\n    ...  # your code here\n\n'
                    'def double(x):\n    ...  # your code here\n')
    namespace: dict = {}
    exec(stub, namespace)
    assert namespace["scale"] is Ellipsis and namespace["area"](2.0) is None


def test_stub_refuses_cells_that_are_not_assignments_or_definitions():
    with pytest.raises(ValueError, match="only assignments and function definitions"):
        build_student.stub_solution("answer = 4\nprint(answer)\n")


def test_make_student_writes_every_notebook(student_dir):
    assert sorted(p.name for p in student_dir.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_exercise_convention(path):
    problems = build_student.convention_problems(nbformat.read(path, as_version=4), path.name)
    assert not problems, "\n".join(problems)


def _solution_texts(source: str) -> list[str]:
    """Answer text of a solution cell: right-hand sides and function-body statements."""
    texts = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            texts.append(ast.get_source_segment(source, node.value))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            texts += [ast.get_source_segment(source, statement) for statement in body]
    return [t for t in texts if t and len(t.strip()) >= 4]


def _is_stub(source: str) -> bool:
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if not (isinstance(node.value, ast.Constant) and node.value.value is Ellipsis):
                return False
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            if len(body) != 1 or ast.unparse(body[0]) != "...":
                return False
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            return False
    return True


@pytest.mark.parametrize("path", _with_exercises(NOTEBOOKS), ids=lambda p: p.stem)
def test_no_solution_text_survives(path, student_dir):
    instructor = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    assert len(student.cells) == len(instructor.cells)
    for solution, check in build_student.exercises(instructor):
        stub = student.cells[solution]
        where = f"{path.name} cell {solution + 1}"
        assert _is_stub(stub.source), f"{where}: the student cell is not a pure stub:\n{stub.source}"
        for text in _solution_texts(instructor.cells[solution].source):
            assert text not in stub.source, f"{where}: solution text survives: {text!r}"
        assert stub.outputs == [] and stub.execution_count is None, f"{where}: outputs not cleared"
        assert student.cells[check].source == instructor.cells[check].source, f"{where}: self-check changed"
        assert student.cells[check].outputs == [], f"{where}: self-check outputs not cleared"


@pytest.mark.parametrize("path", _with_exercises(NOTEBOOKS), ids=lambda p: p.stem)
def test_self_checks_pass_on_the_solutions(path):
    """The committed instructor edition shows each self-check's verdict (nbval re-checks it)."""
    instructor = nbformat.read(path, as_version=4)
    for _, check in build_student.exercises(instructor):
        outputs = instructor.cells[check].outputs
        where = f"{path.name} cell {check + 1}"
        assert not [o for o in outputs if o.output_type == "error"], f"{where}: self-check fails on the solution"
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        assert "✅" in text, f"{where}: no ✅ verdict in the committed output; run `make execute`"


# ------------------------------------------------------------------ self-checks fail on the stubs
_transform = TransformerManager().transform_cell


def _slice(student: nbformat.NotebookNode, exercise_cells: set[int]) -> dict[int, str]:
    """The exercise cells, plus the earlier top-level statements that bind a name they need
    (transitively): {cell index: source to run}. Keeps the run short (no training loops)."""
    chosen: dict[int, list[str]] = {}
    needed: set[str] = set()
    for index in range(max(exercise_cells), -1, -1):
        cell = student.cells[index]
        if cell.cell_type != "code":
            continue
        python = _transform(cell.source)
        try:
            tree = ast.parse(python)
        except SyntaxError:
            continue
        if index in exercise_cells:
            chosen[index] = [cell.source]
            needed |= names_bound_and_used(tree)[1]
            continue
        for statement in reversed(tree.body):
            bound, used = names_bound_and_used(statement)
            if bound & needed:
                chosen.setdefault(index, []).insert(0, ast.get_source_segment(python, statement))
                needed |= used
    return {index: "\n".join(chosen[index]) for index in sorted(chosen)}


def _run(cells: dict[int, str], folder: Path) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells.values()]
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return notebook


def _verdicts(run: nbformat.NotebookNode, cells: dict[int, str], checks: list[int]) -> dict[int, str]:
    verdicts = {}
    for position, index in enumerate(cells):
        if index in checks:
            errors = [o for o in run.cells[position].outputs if o.output_type == "error"]
            verdicts[index] = errors[0].ename if errors else "passed"
    return verdicts


@pytest.mark.slow  # a fresh kernel per notebook: 2-30 s each, 09 and 11 8-13 minutes (they train)
@pytest.mark.parametrize("path", _with_exercises(NOTEBOOKS), ids=lambda p: p.stem)
def test_self_checks_fail_on_the_stubs(path, student_dir):
    student = nbformat.read(student_dir / path.name, as_version=4)
    pairs = build_student.exercises(nbformat.read(path, as_version=4))  # same cells, tags renamed
    checks = [check for _, check in pairs]
    exercise_cells = {i for pair in pairs for i in pair if i >= 0}
    cells = _slice(student, exercise_cells)
    verdicts = _verdicts(_run(cells, path.parent), cells, checks)
    if set(verdicts.values()) != {"ExerciseNotDone"}:  # the slice missed something: run it all
        cells = {i: c.source for i, c in enumerate(student.cells[:max(exercise_cells) + 1])
                 if c.cell_type == "code"}
        verdicts = _verdicts(_run(cells, path.parent), cells, checks)
    wrong = {f"cell {i + 1}": v for i, v in verdicts.items() if v != "ExerciseNotDone"}
    assert not wrong, f"{path.name}: self-checks that do not raise ExerciseNotDone on the stubs: {wrong}"
