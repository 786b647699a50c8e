"""The notebook executor behind `make execute` and `make report` (scripts/execute_notebooks.py).

A widget notebook runs again and again without hanging (also when the race that made notebook 05
wait 600 s is forced); a cell over its timeout and a cell that raises are reported with their
number; a timeout is retried once in a fresh kernel, an error is not.
"""
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import execute_notebooks as ex  # noqa: E402
import report  # noqa: E402

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

WIDGET_CELLS = [
    "%matplotlib inline\nimport ipywidgets as w\nimport matplotlib.pyplot as plt\n"
    "from IPython.display import display",
    # like workshop_utils.widgets' explorers: interactive(function that draws), a slider, display
    "def draw(n=3):\n    fig, ax = plt.subplots(figsize=(3, 2))\n    ax.plot(range(n), [i * i for i in range(n)])\n"
    "    plt.show()\n    print('n =', n)\n    return n\n\n"
    "explorer = w.interactive(draw, n=w.IntSlider(value=3, min=1, max=10))\ndisplay(explorer)\n"
    "assert explorer.result == 3",
    "explorer.children[0].value = 5  # moving the slider redraws into the Output widget\n"
    "assert explorer.result == 5",
    "print('done')",
]


def _notebook(tmp_path: Path, sources: list[str], name: str = "test_nb.ipynb") -> Path:
    cells = [new_markdown_cell("# executor test")] + [new_code_cell(source) for source in sources]
    path = tmp_path / name
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)
    return path


def _check_widget_run(run: ex.Execution) -> None:
    code = [cell for cell in run.notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), "a code cell was not executed"
    assert [number for number, _ in run.cell_seconds] == [2, 3, 4, 5]
    assert any(o.get("output_type") == "display_data" for o in code[1].outputs)  # the widget view
    assert "widgets" in run.notebook.metadata  # widget state (the drawn plot) was recorded
    assert run.outside_seconds < 30, f"{run.outside_seconds:.1f} s outside the cells"
    assert 0 < run.startup_seconds < run.seconds and run.shutdown_seconds < 30
    assert run.attempts == 1


def test_widget_notebook_runs_repeatedly_without_hanging(tmp_path):
    path = _notebook(tmp_path, WIDGET_CELLS)
    for _ in range(5):
        _check_widget_run(ex.execute_notebook(path, timeout=60))


def test_missed_shell_wakeup_costs_at_most_a_poll_slice(tmp_path, monkeypatch):
    """Force notebook 05's race: each Output-widget comm send (a synchronous send on the shell
    socket) first blocks the loop while the kernel's execute_reply arrives. Plain nbclient then
    waits for the whole cell timeout (30 s here) per widget cell; the executor must not."""
    import nbclient.output_widget

    publish = nbclient.output_widget.OutputWidget._publish_msg

    def late_publish(self, *args, **kwargs):
        time.sleep(0.4)
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(nbclient.output_widget.OutputWidget, "_publish_msg", late_publish)
    run = ex.execute_notebook(_notebook(tmp_path, WIDGET_CELLS), timeout=30)
    _check_widget_run(run)
    assert max(run.cell_wall_seconds.values()) < 10
    assert run.outside_seconds < 15


def test_cell_over_its_timeout_fails_naming_the_cell_after_one_retry(tmp_path):
    path = _notebook(tmp_path, ["x = 1", "import time\ntime.sleep(60)", "print(x)"], name="slow.ipynb")
    lines = []
    start = time.perf_counter()
    with pytest.raises(ex.NotebookTimeout) as caught:
        ex.execute_notebook(path, timeout=2, log=lines.append)
    message = str(caught.value)
    assert message.startswith("slow.ipynb: cell 3: A cell timed out") and "after 2 seconds" in message
    assert message.endswith("(again after a retry in a fresh kernel)")
    assert caught.value.cell == 3
    assert len(lines) == 1 and "retrying slow.ipynb once in a fresh kernel" in lines[0]
    assert time.perf_counter() - start < 40  # two 2 s attempts, the stuck kernels killed


def test_cell_error_names_the_cell_and_is_not_retried(tmp_path, monkeypatch):
    path = _notebook(tmp_path, ["x = 1", "raise ValueError('boom')", "print(x)"], name="bad.ipynb")
    attempts, real_attempt = [], ex._attempt
    monkeypatch.setattr(ex, "_attempt", lambda *a: attempts.append(1) or real_attempt(*a))
    lines = []
    with pytest.raises(ex.NotebookCellError) as caught:
        ex.execute_notebook(path, timeout=30, log=lines.append)
    assert str(caught.value) == "bad.ipynb: cell 3: ValueError: boom"
    assert caught.value.cell == 3 and "boom" in caught.value.traceback
    assert len(attempts) == 1 and lines == []
    run = report.run_notebook(path)  # the report shows it as a failed notebook with the cell
    assert run.error == "bad.ipynb: cell 3: ValueError: boom"


def test_timeout_on_first_attempt_is_retried_in_a_fresh_kernel(tmp_path, monkeypatch):
    path = _notebook(tmp_path, ["print('hello')"], name="flaky.ipynb")
    attempts, real_attempt = [], ex._attempt

    def flaky_attempt(*args):
        attempts.append(1)
        if len(attempts) == 1:
            raise ex.NotebookTimeout("flaky.ipynb", 2, "simulated timeout")
        return real_attempt(*args)

    monkeypatch.setattr(ex, "_attempt", flaky_attempt)
    lines = []
    run = ex.execute_notebook(path, timeout=30, log=lines.append)
    assert len(attempts) == 2 and run.attempts == 2
    assert run.retried_because == "flaky.ipynb: cell 2: simulated timeout"
    assert any("retried after: flaky.ipynb: cell 2" in note for note in run.notes)
    assert "retrying flaky.ipynb once" in lines[0]
    assert run.notebook.cells[1].outputs[0]["text"] == "hello\n"  # the second attempt's result
    attempts.clear()
    seconds, peak = ex.execute(path, timeout=30)  # the callers' signature; writes the notebook back
    assert len(attempts) == 2 and seconds > 0 and peak > 0
    assert nbformat.read(path, as_version=4).cells[1].outputs[0]["text"] == "hello\n"


def test_report_shows_time_outside_the_cells(tmp_path, monkeypatch):
    notebook = nbformat.read(_notebook(tmp_path, ["pass"]), as_version=4)
    notebook.cells[1].metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00.000000Z",
                                               "shell.execute_reply": "2026-01-01T00:00:02.000000Z"}
    fake = ex.Execution(notebook, 10.0, 2**20, ex.kernel_cell_seconds(notebook), {2: 2.1}, 1.0, 0.5,
                        notes=["retried after: x"])
    monkeypatch.setattr(report, "execute_notebook", lambda path: fake)
    run = report.run_notebook(tmp_path / "test_nb.ipynb")
    assert (run.slowest_cell, run.slowest_seconds, run.outside_seconds) == (2, 2.0, 8.0)
    text = report.markdown([run], {"CPU": "x"}, report.targets([run]), (0.0, 0.0))
    assert "| outside the cells |" in text and "| 10.0 s | 8.0 s |" in text and "retried after: x" in text
