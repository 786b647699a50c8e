"""Write the student edition of every notebook to build/student/ (`make student`).

The committed notebooks are the instructor edition. In the student edition each code cell tagged
`solution` becomes a stub the learner fills in: every assigned name becomes
`name = ...  # your code here`, every function keeps its signature and docstring with the body
`...`. Outputs of solution and self-check cells are cleared; the self-checks (code cells tagged
`exercise`, calling workshop_utils.checks) are kept so learners get a verdict.

Usage: python scripts/build_student.py [NOTEBOOK ...] [--out build/student]
Exits 1 (after writing) if a notebook breaks the exercise convention, saying where.
"""
from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STUB = "...  # your code here"
CHECK_CALLS = ("check_close", "check_true")


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _assigned_targets(node: ast.stmt) -> list[str]:
    """The names (or other targets, as source text) a top-level assignment binds, in order."""
    def flatten(target: ast.expr) -> list[str]:
        if isinstance(target, (ast.Tuple, ast.List)):
            return [name for part in target.elts for name in flatten(part)]
        return [ast.unparse(target.value if isinstance(target, ast.Starred) else target)]

    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [name for target in targets for name in flatten(target)]


def _function_stub(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> str:
    """Decorators, signature and docstring as written; the body replaced by `...`."""
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    body = node.body
    has_docstring = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                     and isinstance(body[0].value.value, str))
    keep_until = body[0].end_lineno if has_docstring else body[0].lineno - 1
    if body[0].lineno == node.lineno or keep_until < first:  # one-line def: rebuild it
        stub = copy.deepcopy(node)
        stub.body = ([body[0]] if has_docstring else []) + [ast.Expr(ast.Constant(...))]
        return ast.unparse(stub) + "  # your code here"
    indent = " " * body[0].col_offset
    header = "\n".join(lines[first - 1:keep_until])
    return f"{header}\n{indent}{STUB}"


def stub_solution(source: str) -> str:
    """Replace a solution cell's answers with stubs (see the module docstring)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    pieces: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if isinstance(node, ast.AnnAssign):
                pieces.append(f"{ast.unparse(node.target)}: {ast.unparse(node.annotation)} = {STUB}")
            else:
                pieces += [f"{name} = {STUB}" for name in _assigned_targets(node)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pieces.append("\n" + _function_stub(node, lines) + "\n")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            pieces.append(ast.get_source_segment(source, node))
        else:
            raise ValueError(f"a solution cell may hold only assignments and function definitions, "
                             f"found `{ast.unparse(node).splitlines()[0]}` on line {node.lineno}")
    text = "\n".join(pieces).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


def exercises(notebook: nbformat.NotebookNode) -> list[tuple[int, int]]:
    """(solution cell index, self-check cell index) for every exercise, in order."""
    pairs = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "solution" in tags(cell):
            following = [i for i in range(index + 1, len(notebook.cells))
                         if notebook.cells[i].cell_type == "code"]
            pairs.append((index, following[0] if following else -1))
    return pairs


def convention_problems(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Where a notebook breaks the exercise convention (STYLE.md / the brief)."""
    problems = []
    cells = notebook.cells
    pairs = exercises(notebook)
    if len(pairs) < 2:
        problems.append(f"{name}: {len(pairs)} exercise(s) (cells tagged `solution`); at least 2 expected")
    for solution, check in pairs:
        where = f"{name} cell {solution + 1}"
        before = next((cells[i] for i in range(solution - 1, -1, -1) if cells[i].cell_type == "code"
                       or "exercise" in tags(cells[i])), None)
        if before is None or before.cell_type != "markdown":
            problems.append(f"{where}: solution cell not preceded by a markdown cell tagged `exercise`")
        try:
            stub_solution(cells[solution].source)
        except (SyntaxError, ValueError) as error:
            problems.append(f"{where}: {error}")
        if check < 0 or "exercise" not in tags(cells[check]):
            problems.append(f"{where}: the next code cell is not a self-check tagged `exercise`")
        elif not any(call in cells[check].source for call in CHECK_CALLS):
            problems.append(f"{name} cell {check + 1}: self-check calls neither check_close nor check_true")
    for index, cell in enumerate(cells):
        if "solution" in tags(cell) and cell.cell_type != "code":
            problems.append(f"{name} cell {index + 1}: a markdown cell is tagged `solution`")
    return problems


def _cleared(cell: nbformat.NotebookNode) -> None:
    cell.outputs = []
    cell.execution_count = None
    cell.metadata.pop("execution", None)


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy with solution cells stubbed and solution/self-check outputs cleared."""
    student = copy.deepcopy(notebook)
    for solution, check in exercises(student):
        cell = student.cells[solution]
        cell.source = stub_solution(cell.source)
        cell.metadata["tags"] = ["answer" if tag == "solution" else tag for tag in tags(cell)]
        _cleared(cell)
        if check >= 0 and "exercise" in tags(student.cells[check]):
            _cleared(student.cells[check])
    return student


def build(paths: list[Path], out_dir: Path) -> list[str]:
    """Write each notebook's student edition to out_dir; return convention problems found."""
    out_dir.mkdir(parents=True, exist_ok=True)
    problems = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        problems += convention_problems(notebook, path.name)
        try:
            nbformat.write(student_edition(notebook), out_dir / path.name)
        except (SyntaxError, ValueError) as error:
            problems.append(f"{path.name}: no student edition written ({error})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "student")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    problems = build(paths, args.out)
    print(f"student edition of {len(paths)} notebook(s) written to {args.out}")
    for problem in problems:
        print(f"convention: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
