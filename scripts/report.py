"""Measured run report (`make report`): run every notebook, check the workshop's targets.

Executes each notebook in a fresh kernel (the committed notebook is not rewritten), records its
wall time, peak memory and slowest cell, describes the machine, writes build/report.md, prints a
PASS/FAIL line per target, and rewrites the "CPU run time" column of README.md's notebook table.

Targets: every notebook under 2 minutes and 2 GB; no cell over 45 s; the whole series under 15 min.

Usage: python scripts/report.py [NOTEBOOK ...] [--no-readme] [--strict]
Exits 1 if a notebook fails to run (and, with --strict, if a target is missed).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from execute_notebooks import execute_notebook  # noqa: E402

NOTEBOOK_SECONDS, NOTEBOOK_BYTES = 120.0, 2e9
CELL_SECONDS, SERIES_SECONDS = 45.0, 15 * 60.0
RUN_TIME_HEADER = "CPU run time"


@dataclass
class Run:
    name: str
    seconds: float
    peak_bytes: int
    slowest_cell: int  # 1-based cell number in the notebook
    slowest_seconds: float
    slowest_source: str
    error: str = ""
    outside_seconds: float = float("nan")  # wall time minus the kernel's time in the cells
    note: str = ""  # e.g. "retried after: <timeout>"


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def cell_seconds(notebook) -> list[tuple[int, float]]:
    """(1-based cell number, seconds) for each executed code cell, from nbclient's timings."""
    times = []
    for number, cell in enumerate(notebook.cells, start=1):
        timing = cell.get("metadata", {}).get("execution", {})
        start = timing.get("iopub.execute_input") or timing.get("iopub.status.busy")
        end = timing.get("shell.execute_reply") or timing.get("iopub.status.idle")
        if cell.cell_type == "code" and start and end:
            times.append((number, (_timestamp(end) - _timestamp(start)).total_seconds()))
    return times


def run_notebook(path: Path) -> Run:
    try:
        execution = execute_notebook(path)
    except Exception as error:  # a failing cell or a timeout: report it, go on with the others
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        return Run(path.name, float("nan"), 0, 0, float("nan"), "", error=first_line[:200])
    notebook, seconds, peak = execution.notebook, execution.seconds, execution.peak_bytes
    times = cell_seconds(notebook) or [(0, 0.0)]
    number, slowest = max(times, key=lambda pair: pair[1])
    source = notebook.cells[number - 1].source.strip().splitlines() if number else []
    first = next((line for line in source if not line.startswith("# NBVAL")), "")
    return Run(path.name, seconds, peak, number, slowest, first[:60].replace("|", "/").replace("`", "'"),
               outside_seconds=execution.outside_seconds, note="; ".join(execution.notes)[:200])


def machine() -> dict[str, str]:
    import torch

    from workshop_utils.runtime import cpu_name

    cpu = cpu_name()
    if torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        gpu = "Apple GPU (mps)"
    else:
        gpu = "none (CPU only)"
    return {
        "CPU": cpu,
        "cores": f"{psutil.cpu_count(logical=False)} physical, {os.cpu_count()} logical",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "torch threads": str(torch.get_num_threads()),
        "GPU": gpu,
        "device used by notebooks": os.environ.get("WORKSHOP_DEVICE", "auto (workshop_utils.runtime.get_device)"),
        "Python / torch": f"{platform.python_version()} / {torch.__version__}",
        "OS": platform.platform(),
    }


def targets(runs: list[Run]) -> list[tuple[bool, str]]:
    ok_runs = [r for r in runs if not r.error]
    total = sum(r.seconds for r in ok_runs)
    slow = [f"{r.name} {r.seconds:.0f} s" for r in ok_runs if not r.seconds < NOTEBOOK_SECONDS]
    big = [f"{r.name} {r.peak_bytes / 1e9:.2f} GB" for r in ok_runs if not r.peak_bytes < NOTEBOOK_BYTES]
    long_cells = [f"{r.name} cell {r.slowest_cell} {r.slowest_seconds:.0f} s" for r in ok_runs
                  if not r.slowest_seconds <= CELL_SECONDS]
    failed = [f"{r.name}: {r.error}" for r in runs if r.error]
    return [
        (not failed, "every notebook runs top to bottom" + (f": {failed}" if failed else "")),
        (not slow, f"every notebook under {NOTEBOOK_SECONDS / 60:.0f} minutes" + (f": {slow}" if slow else "")),
        (not big, f"every notebook under {NOTEBOOK_BYTES / 1e9:.0f} GB peak memory" + (f": {big}" if big else "")),
        (not long_cells, f"no cell over {CELL_SECONDS:.0f} s" + (f": {long_cells}" if long_cells else "")),
        (total < SERIES_SECONDS, f"whole series under {SERIES_SECONDS / 60:.0f} minutes ({total / 60:.1f} min)"),
    ]


def _fmt_seconds(seconds: float) -> str:
    return "—" if seconds != seconds else (f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min")


def markdown(runs: list[Run], info: dict[str, str], checks: list[tuple[bool, str]], load: tuple) -> str:
    lines = ["# Run report", "",
             f"Generated by `make report` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: every notebook "
             "executed top to bottom in a fresh kernel, one after another.", "", "## Machine", "",
             "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in info.items()]
    lines += [f"| load average (1 min) before / after | {load[0]:.2f} / {load[1]:.2f} |", "",
              "A load average well above 0 means other work shared the CPU: times are then upper bounds.",
              "", "## Targets", ""]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {text}" for ok, text in checks]
    lines += ["", "## Notebooks", "",
              "Outside the cells: wall time minus the kernel's time in the cells (kernel start and stop, "
              "messaging); a few seconds is normal.", "",
              "| notebook | wall time | outside the cells | peak memory | slowest cell | its time | note |",
              "| --- | ---: | ---: | ---: | --- | ---: | --- |"]
    for r in runs:
        if r.error:
            lines.append(f"| {r.name} | FAILED: {r.error.replace('|', '/')} | | | | | |")
        else:
            lines.append(f"| {r.name} | {r.seconds:.1f} s | {r.outside_seconds:.1f} s | "
                         f"{r.peak_bytes / 2**20:.0f} MiB | "
                         f"cell {r.slowest_cell}: `{r.slowest_source}` | {r.slowest_seconds:.1f} s | "
                         f"{r.note.replace('|', '/')} |")
    total = sum(r.seconds for r in runs if not r.error)
    lines += [f"| **total** | **{total / 60:.1f} min** | | | | | |", ""]
    lines += _browser_section()
    return "\n".join(lines) + "\n"


def _browser_section() -> list[str]:
    """Screenshots and timings left by the browser test (`make browser-test`), if it has run."""
    folder = PROJECT_ROOT / "build" / "screenshots"
    times_file = folder / "browser-test.json"
    if not times_file.exists():
        return ["## Browser test", "", "Not run yet: `make browser-test` adds its screenshots here.", ""]
    results = json.loads(times_file.read_text())
    lines = ["## Browser test (headless Chromium)", "",
             "| notebook (front end) | seconds | cells run | controls moved | problems |",
             "| --- | ---: | --- | ---: | --- |"]
    for name, result in results.items():
        lines.append(f"| {name} | {result['seconds']} | {result.get('cells run', '')} | "
                     f"{result['controls_moved']} | {'; '.join(result['problems']) or 'none'} |")
    lines += ["", "Screenshots:", ""]
    lines += [f"- [{png.stem}](screenshots/{png.name})" for png in sorted(folder.glob("*.png"))]
    return lines + [""]


def rewrite_readme_column(readme: Path, runs: list[Run]) -> int:
    """Set the "CPU run time" cell of each notebook's row; touch nothing else. Returns rows changed."""
    text = readme.read_text(encoding="utf-8")
    lines = text.split("\n")
    column, changed = None, 0
    by_stem = {Path(r.name).stem: r for r in runs}
    for number, line in enumerate(lines):
        if not line.strip().startswith("|"):
            column = None
            continue
        cells = line.split("|")
        names = [c.strip() for c in cells]
        if RUN_TIME_HEADER in names:
            column = names.index(RUN_TIME_HEADER)
            continue
        if column is None or column >= len(cells) or re.fullmatch(r"\s*:?-+:?\s*", cells[column]):
            continue
        stems = re.findall(r"(\d\d_[A-Za-z0-9_\-]+?)(?:\.ipynb|\b)", cells[1]) if len(cells) > 1 else []
        run = next((by_stem[s] for s in stems if s in by_stem), None)
        if run is None:
            continue
        value = "failed" if run.error else _fmt_seconds(run.seconds)
        cells[column] = f" {value} "
        new_line = "|".join(cells)
        if new_line != line:
            lines[number] = new_line
            changed += 1
    if changed:
        readme.write_text("\n".join(lines), encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "report.md")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    info = machine()
    load_before = os.getloadavg()[0]
    runs = []
    for path in paths:
        run = run_notebook(path)
        runs.append(run)
        print(f"{run.name}: " + (f"FAILED: {run.error}" if run.error else
              f"{run.seconds:.1f} s ({run.outside_seconds:.1f} s outside the cells), peak "
              f"{run.peak_bytes / 2**20:.0f} MiB, slowest cell {run.slowest_cell} ({run.slowest_seconds:.1f} s)"
              + (f" [{run.note}]" if run.note else "")), flush=True)
        time.sleep(0.5)  # let the kernel's memory go before the next one starts
    checks = targets(runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(runs, info, checks, (load_before, os.getloadavg()[0])), encoding="utf-8")
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    print(f"report written to {args.out.relative_to(PROJECT_ROOT) if args.out.is_relative_to(PROJECT_ROOT) else args.out}")
    readme = PROJECT_ROOT / "README.md"
    if not args.no_readme and not args.notebooks and readme.exists():
        changed = rewrite_readme_column(readme, runs)
        print(f"README.md: {changed} row(s) of the {RUN_TIME_HEADER!r} column updated")
    if any(r.error for r in runs):
        return 1
    return 1 if args.strict and not all(ok for ok, _ in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
