"""The README's notebook table lists every notebook, with its Colab link and a run-time column."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COLAB = "https://colab.research.google.com/github/llm-workshop/from-prompt-to-product/blob/main/notebooks/{}.ipynb"


def table_rows() -> list[str]:
    return [line for line in README.splitlines() if re.match(r"\| \[\d\d_", line)]


def test_the_two_commands_come_first():
    first_block = README.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block


def test_table_header_has_a_cpu_run_time_column():
    header = next(line for line in README.splitlines() if line.startswith("| Notebook"))
    assert "| CPU run time |" in header


def test_every_notebook_is_in_the_table_with_its_colab_link():
    rows = table_rows()
    names = [re.match(r"\| \[(\w+)\]", row).group(1) for row in rows]
    assert names == sorted(names) and len(names) == 14
    assert names[0] == "00_welcome_and_setup" and names[-1] == "13_applications"
    for row, name in zip(rows, names):
        assert f"(notebooks/{name}.ipynb)" in row
        assert COLAB.format(name) in row
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        assert path.stem in names, f"{path.name} is missing from the README table"
