"""The run report's pure parts: the README column rewrite and the target lines (`make report`)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import report  # noqa: E402

README = """# Workshop

| # | Notebook | Slides | CPU run time | Topic |
| --- | --- | --- | ---: | --- |
| [00_setup.ipynb](notebooks/00_setup.ipynb) | setup | 1-3 | ? | check |
| 01_tokens.ipynb | tokens | 4-9 | 1 s | tokens |
| 02_missing.ipynb | none | 10 | 7 s | kept |

Other | table | CPU run time
"""


def _run(name, seconds, peak=10**8, slowest=1.0, error=""):
    return report.Run(name, seconds, peak, 3, slowest, "train()", error)


def test_readme_rewrite_touches_only_the_run_time_column(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    changed = report.rewrite_readme_column(readme, [_run("00_setup.ipynb", 42.4), _run("01_tokens.ipynb", 95.0)])
    assert changed == 2
    lines = readme.read_text().split("\n")
    assert lines[4] == "| [00_setup.ipynb](notebooks/00_setup.ipynb) | setup | 1-3 | 42 s | check |"
    assert lines[5] == "| 01_tokens.ipynb | tokens | 4-9 | 1.6 min | tokens |"
    assert lines[6] == "| 02_missing.ipynb | none | 10 | 7 s | kept |"
    assert [l for i, l in enumerate(lines) if i not in (4, 5)] == \
        [l for i, l in enumerate(README.split("\n")) if i not in (4, 5)]


def test_targets_pass_and_fail_lines():
    good = report.targets([_run("00_a.ipynb", 50.0), _run("01_b.ipynb", 60.0)])
    assert all(ok for ok, _ in good)
    bad = report.targets([_run("00_a.ipynb", 130.0, peak=3 * 10**9, slowest=50.0),
                          _run("01_b.ipynb", float("nan"), error="ValueError: boom")])
    assert [ok for ok, _ in bad] == [False, False, False, False, True]
    assert "00_a.ipynb 130 s" in bad[1][1] and "01_b.ipynb: ValueError: boom" in bad[0][1]
