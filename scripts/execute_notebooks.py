"""Re-execute notebooks in place, each in a fresh kernel, in the order given (`make execute`).

Prints wall time and peak memory (RSS of the kernel process tree) per notebook.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient


def _peak_rss_watch(client: NotebookClient, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        manager = getattr(client, "km", None)
        provisioner = getattr(manager, "provisioner", None) if manager else None
        process = getattr(provisioner, "process", None) if provisioner else None
        if process is not None:
            try:
                root = psutil.Process(process.pid)
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
        stop.wait(0.2)


def execute(path: Path, timeout: int = 600) -> tuple[float, int]:
    notebook, seconds, peak = execute_copy(path, timeout)
    nbformat.write(notebook, path)
    return seconds, peak


def execute_copy(path: Path, timeout: int = 600) -> tuple[nbformat.NotebookNode, float, int]:
    """Execute a notebook in a fresh kernel (in its own folder) without writing it back.

    Returns the executed notebook (cell timings in each cell's metadata.execution), the wall
    time in seconds and the peak memory in bytes. Used by `make report` (scripts/report.py).
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_rss_watch, args=(client, stop, peak), daemon=True)
    watcher.start()
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        stop.set()
        watcher.join()
    seconds = time.perf_counter() - start
    return notebook, seconds, peak[0]


def main(paths: list[str]) -> int:
    for name in paths:
        seconds, peak = execute(Path(name))
        print(f"{name}: {seconds:.1f} s, peak memory {peak / 2**20:.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
