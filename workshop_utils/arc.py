"""ARC-AGI tasks: the official JSON format, pass@2 scoring, and a small program-search solver.

A task is {"train": [{"input": G, "output": G}, ...], "test": [...]}, G a list of rows of ints
0-9 between 1x1 and 30x30 (fchollet/ARC-AGI). A test pair counts as solved when any of two
attempts equals its output exactly, shape included (arcprize/arc-agi-benchmarking).

The solver searches a fixed vocabulary of grid transformations and their compositions of two,
keeps the programs that turn every training input into its output, and answers with the first
two distinct predictions: brute force over a hand-written "DSL", the oldest ARC baseline.
"""
from __future__ import annotations

import json
from itertools import product
from pathlib import Path
from typing import Callable, Sequence

from .paths import DATA_DIR

Grid = list[list[int]]
ARC_DIR = DATA_DIR / "arc"
# the colours of the official ARC viewer, for values 0-9
PALETTE = ("#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
           "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25")


# --- format -----------------------------------------------------------------------------------

def validate_grid(grid, where: str = "grid") -> Grid:
    """Return the grid as a list of lists of ints, or raise a ValueError that says what is wrong."""
    if not isinstance(grid, list) or not grid or not all(isinstance(row, list) for row in grid):
        raise ValueError(f"{where} must be a non-empty list of rows (lists of ints), got {type(grid).__name__}")
    if not 1 <= len(grid) <= 30 or not 1 <= len(grid[0]) <= 30:
        raise ValueError(f"{where} must be between 1x1 and 30x30, got {len(grid)}x{len(grid[0])}")
    width = len(grid[0])
    for r, row in enumerate(grid):
        if len(row) != width:
            raise ValueError(f"{where} is ragged: row 0 has {width} cells but row {r} has {len(row)}; "
                             "every row must have the same length")
        for c, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
                raise ValueError(f"{where}[{r}][{c}] = {value!r}: cells must be integers 0-9 (colours)")
    return [list(row) for row in grid]


def validate_task(task: dict, name: str = "task") -> dict:
    """Check the official format: train and test lists of {"input": G, "output": G} pairs."""
    if not isinstance(task, dict) or set(task) - {"train", "test"} or not {"train", "test"} <= set(task):
        raise ValueError(f"{name} must be a dict with exactly the keys 'train' and 'test'")
    for part in ("train", "test"):
        if not isinstance(task[part], list) or not task[part]:
            raise ValueError(f"{name}['{part}'] must be a non-empty list of pairs")
        for i, pair in enumerate(task[part]):
            if not isinstance(pair, dict) or set(pair) != {"input", "output"}:
                raise ValueError(f"{name}['{part}'][{i}] must be a dict with keys 'input' and 'output'")
            for key in ("input", "output"):
                validate_grid(pair[key], f"{name}['{part}'][{i}]['{key}']")
    return task


def load_task(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no ARC task at {path}; the project's tasks are in {ARC_DIR}")
    return validate_task(json.loads(path.read_text(encoding="utf-8")), path.stem)


def load_tasks(folder: str | Path = ARC_DIR) -> dict[str, dict]:
    """Every task in a folder, by file name (without .json), sorted; an error if there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}; the project's ARC tasks are in {ARC_DIR}")
    tasks = {p.stem: load_task(p) for p in sorted(folder.glob("*.json"))}
    if not tasks:
        raise ValueError(f"no ARC tasks (*.json files) in {folder}; point load_tasks at the folder "
                         f"that holds them, e.g. {ARC_DIR}")
    return tasks


# --- scoring ---------------------------------------------------------------------------------

def score_task(task: dict, attempts: Sequence[Sequence[Grid]]) -> float:
    """Fraction of test pairs solved; attempts[i] holds up to two grids for test pair i."""
    tests = task["test"]
    if len(attempts) != len(tests):
        raise ValueError(f"need attempts for each of the {len(tests)} test pairs, got {len(attempts)}")
    if any(len(a) > 2 for a in attempts):
        raise ValueError("pass@2 allows at most two attempts per test pair")
    solved = sum(any(a == pair["output"] for a in tries) for tries, pair in zip(attempts, tests))
    return solved / len(tests)


def score_tasks(tasks: dict[str, dict], attempts: dict[str, Sequence[Sequence[Grid]]]) -> float:
    """The overall score: mean of the task scores (a missing task scores 0)."""
    return sum(score_task(t, attempts.get(n, [[] for _ in t["test"]])) for n, t in tasks.items()) / len(tasks)


# --- the vocabulary of transformations -----------------------------------------------------

def rotate90(g: Grid) -> Grid:  # clockwise
    return [list(row) for row in zip(*g[::-1])]


def flip_horizontal(g: Grid) -> Grid:  # mirror left-right
    return [row[::-1] for row in g]


def flip_vertical(g: Grid) -> Grid:
    return [list(row) for row in g[::-1]]


def transpose(g: Grid) -> Grid:
    return [list(row) for row in zip(*g)]


def crop_to_content(g: Grid, background: int = 0) -> Grid:
    """The smallest rectangle holding every non-background cell."""
    cells = [(r, c) for r, row in enumerate(g) for c, v in enumerate(row) if v != background]
    if not cells:
        return g
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    return [row[min(cols):max(cols) + 1] for row in g[min(rows):max(rows) + 1]]


def gravity_down(g: Grid, background: int = 0) -> Grid:
    """Every coloured cell falls to the bottom of its column (order kept)."""
    columns = []
    for col in transpose(g):
        filled = [v for v in col if v != background]
        columns.append([background] * (len(col) - len(filled)) + filled)
    return transpose(columns)


def scale(g: Grid, factor: int) -> Grid:
    return [[v for v in row for _ in range(factor)] for row in g for _ in range(factor)]


def tile(g: Grid, down: int, across: int) -> Grid:
    return [row * across for _ in range(down) for row in g]


def mirror_right(g: Grid) -> Grid:  # the grid followed by its mirror image
    return [row + row[::-1] for row in g]


def mirror_down(g: Grid) -> Grid:
    return g + g[::-1]


def _turn(f: Callable[[Grid], Grid], times: int) -> Callable[[Grid], Grid]:
    def turned(g: Grid) -> Grid:  # rotate, apply f, rotate back
        for _ in range(times):
            g = rotate90(g)
        g = f(g)
        for _ in range((4 - times) % 4):
            g = rotate90(g)
        return g
    return turned


TRANSFORMATIONS: dict[str, Callable[[Grid], Grid]] = {
    "identity": lambda g: [list(r) for r in g],
    "rotate90": rotate90,
    "rotate180": lambda g: rotate90(rotate90(g)),
    "rotate270": lambda g: rotate90(rotate90(rotate90(g))),
    "flip_horizontal": flip_horizontal,
    "flip_vertical": flip_vertical,
    "transpose": transpose,
    "crop_to_content": crop_to_content,
    "gravity_down": gravity_down,
    "gravity_right": _turn(gravity_down, 1),
    "gravity_up": _turn(gravity_down, 2),
    "gravity_left": _turn(gravity_down, 3),
    "scale2": lambda g: scale(g, 2),
    "scale3": lambda g: scale(g, 3),
    "tile2x2": lambda g: tile(g, 2, 2),
    "tile1x2": lambda g: tile(g, 1, 2),
    "tile2x1": lambda g: tile(g, 2, 1),
    "mirror_right": mirror_right,
    "mirror_down": mirror_down,
}


def learn_colour_map(pairs: Sequence[tuple[Grid, Grid]]) -> dict[int, int] | None:
    """A consistent colour -> colour map taking each grid to its partner, or None if none exists."""
    mapping: dict[int, int] = {}
    for source, target in pairs:
        if len(source) != len(target) or len(source[0]) != len(target[0]):
            return None
        for a, b in zip((v for row in source for v in row), (v for row in target for v in row)):
            if mapping.setdefault(a, b) != b:
                return None
    return mapping


def apply_colour_map(g: Grid, mapping: dict[int, int]) -> Grid:
    return [[mapping.get(v, v) for v in row] for row in g]


def candidate_programs(max_length: int = 2) -> list[tuple[str, ...]]:
    """Every sequence of up to max_length named transformations, shortest first."""
    names = [n for n in TRANSFORMATIONS if n != "identity"]
    programs: list[tuple[str, ...]] = [("identity",)]
    for length in range(1, max_length + 1):
        programs += list(product(names, repeat=length))
    return programs


def run_program(program: Sequence[str], g: Grid) -> Grid:
    for name in program:
        g = TRANSFORMATIONS[name](g)
        if not (1 <= len(g) <= 30 and 1 <= len(g[0]) <= 30):
            raise ValueError("grid grew beyond 30x30")
    return g


def solve(task: dict, max_length: int = 2, attempts: int = 2) -> tuple[list[list[Grid]], list[str]]:
    """Predictions for each test input (up to `attempts` distinct ones) and the programs behind them.

    A program is a sequence of transformations, optionally followed by a colour map learned from
    the training pairs; it is kept when it reproduces every training output exactly.
    """
    validate_task(task)
    found: list[str] = []
    predictions: list[list[Grid]] = [[] for _ in task["test"]]
    earlier: list[list[Grid]] = []
    for program in candidate_programs(max_length):
        try:
            outputs = [run_program(program, p["input"]) for p in task["train"]]
        except ValueError:
            continue
        mapping = learn_colour_map([(o, p["output"]) for o, p in zip(outputs, task["train"])])
        if mapping is None:
            continue
        identity_map = all(k == v for k, v in mapping.items())
        try:
            guesses = [apply_colour_map(run_program(program, p["input"]), mapping) for p in task["test"]]
        except ValueError:
            continue
        if guesses in earlier:
            continue  # the same answer as an earlier (simpler) program
        earlier.append(guesses)
        for g, tries in zip(guesses, predictions):
            tries.append(g)
        found.append(" then ".join(program) + ("" if identity_map else f" then colours {mapping}"))
        if len(found) == attempts:
            break
    return predictions, found
