"""ARC-AGI format, pass@2 scoring (SPECS.md value), the palette and the program-search solver."""
import json

import pytest

from workshop_utils import arc

SOLVED_BY_SEARCH = {"mirror_left_right", "turn_and_swap_colours", "cut_out_the_shape",
                    "falling_blocks", "zoom_in", "kaleidoscope"}
NOT_SOLVED = {"fill_the_boxes", "connect_the_dots", "count_to_bar"}


def test_shipped_tasks_validate_in_the_official_format():
    files = sorted(arc.ARC_DIR.glob("*.json"))
    assert {f.stem for f in files} == SOLVED_BY_SEARCH | NOT_SOLVED
    for path in files:
        task = json.loads(path.read_text())
        assert set(task) == {"train", "test"}
        arc.validate_task(task, path.stem)


def test_pass_at_2_spec_value():
    task = {"train": [{"input": [[1]], "output": [[1]]}],
            "test": [{"input": [[1]], "output": [[2]]}, {"input": [[3]], "output": [[4, 4]]}]}
    attempts = [[[[9]], [[2]]], [[[4]], [[4], [4]]]]  # pair 0 right on attempt 2; pair 1 wrong shapes
    assert arc.score_task(task, attempts) == 0.5
    assert arc.score_tasks({"t": task}, {"t": attempts}) == 0.5
    assert arc.score_tasks({"t": task}, {}) == 0.0
    with pytest.raises(ValueError, match="at most two"):
        arc.score_task(task, [[[[2]]] * 3, []])


def test_palette_is_the_official_one():
    assert arc.PALETTE == ("#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
                           "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25")


@pytest.mark.parametrize("grid, message", [
    ([[1, 2], [3]], "ragged"),
    ([[1, 10]], "integers 0-9"),
    ([[1, -1]], "integers 0-9"),
    ([[1.0]], "integers 0-9"),
    ([], "non-empty"),
    ([[0] * 31], "30x30"),
])
def test_bad_grids_are_rejected(grid, message):
    with pytest.raises(ValueError, match=message):
        arc.validate_grid(grid)
    with pytest.raises(ValueError, match=message):
        arc.validate_task({"train": [{"input": grid, "output": [[0]]}], "test": [{"input": [[0]], "output": [[0]]}]})


def test_bad_task_structure():
    with pytest.raises(ValueError, match="exactly the keys"):
        arc.validate_task({"train": []})
    with pytest.raises(ValueError, match="'input' and 'output'"):
        arc.validate_task({"train": [{"input": [[0]]}], "test": [{"input": [[0]], "output": [[0]]}]})


def test_transformations():
    g = [[1, 2, 0], [0, 3, 0]]
    assert arc.rotate90(g) == [[0, 1], [3, 2], [0, 0]]
    assert arc.flip_horizontal(g) == [[0, 2, 1], [0, 3, 0]]
    assert arc.transpose(g) == [[1, 0], [2, 3], [0, 0]]
    assert arc.crop_to_content([[0, 0, 0], [0, 5, 0], [0, 0, 6]]) == [[5, 0], [0, 6]]
    assert arc.gravity_down([[1, 0], [0, 0], [2, 0]]) == [[0, 0], [1, 0], [2, 0]]
    assert arc.TRANSFORMATIONS["gravity_left"]([[0, 1, 0, 2]]) == [[1, 2, 0, 0]]
    assert arc.scale([[1, 2]], 2) == [[1, 1, 2, 2], [1, 1, 2, 2]]
    assert arc.mirror_right([[1, 2]]) == [[1, 2, 2, 1]]
    assert arc.learn_colour_map([([[1, 2]], [[2, 1]])]) == {1: 2, 2: 1}
    assert arc.learn_colour_map([([[1, 1]], [[2, 3]])]) is None


@pytest.mark.parametrize("name", sorted(SOLVED_BY_SEARCH))
def test_solver_solves_the_tasks_it_claims(name):
    task = arc.load_task(arc.ARC_DIR / f"{name}.json")
    predictions, programs = arc.solve(task)
    assert programs and arc.score_task(task, predictions) == 1.0


@pytest.mark.parametrize("name", sorted(NOT_SOLVED))
def test_solver_fails_the_tasks_outside_its_vocabulary(name):
    task = arc.load_task(arc.ARC_DIR / f"{name}.json")
    predictions, _ = arc.solve(task)
    assert arc.score_task(task, predictions) == 0.0


def test_solver_never_peeks_at_test_outputs():
    task = arc.load_task(arc.ARC_DIR / "mirror_left_right.json")
    task["test"][0]["output"] = [[0]]
    predictions, _ = arc.solve(task)
    assert predictions[0][0] == arc.flip_horizontal(task["test"][0]["input"])


def test_arc_explorer_headless():
    from workshop_utils.widgets import arc_explorer, explore_arc_program
    tasks = arc.load_tasks()
    result = explore_arc_program(tasks["kaleidoscope"], "mirror_right", "mirror_down", draw=False)
    assert result["fits_train"] and result["solves_test"]
    explorer = arc_explorer(tasks, draw=False)
    explorer.children[0].value = "zoom_in"
    explorer.children[1].value = "scale2"
    assert explorer.result["solves_test"]
    explorer.children[1].value = "rotate90"
    assert not explorer.result["fits_train"]
