"""Re-execute notebooks in place, each in a fresh kernel, in the order given (`make execute`).

Prints wall time, time outside the cells and peak memory (RSS of the kernel process tree) per
notebook.

Why the executor is not a plain `NotebookClient(...).execute()`: nbclient waits for each cell's
execute_reply with one `await shell_channel.get_msg(timeout=<cell timeout>)`, i.e. one
zmq.asyncio poll on the shell socket. While that poll is pending, nbclient's Output-widget mimic
(nbclient/output_widget.py, used by every `ipywidgets.interactive`) sends comm messages on the
same socket, and jupyter_client's Session.send sends them on a *synchronous shadow* of the asyncio
socket. That send processes the socket's pending commands and so drains its edge-triggered
ZMQ_FD: if the execute_reply has just arrived, the asyncio poll is never woken for it. The reply
sits in the socket, the kernel is idle, and the poll only sees it when its timeout fires (then
pyzmq polls once more with timeout 0 and finds it), so the cell "succeeds" a whole cell timeout
(600 s) late: the hang in notebook 05 (nbclient issue #312 is the same class of hang).

So this executor
- polls the shell (and IOPub) channel in short slices: a missed wake-up costs at most
  POLL_SLICE seconds, and each slice ends with the zero-timeout poll that finds the message;
- times out a cell after `timeout` seconds (default CELL_TIMEOUT, env NOTEBOOK_CELL_TIMEOUT)
  with the notebook's name and the cell's number (1-based, markdown cells counted, as in
  build/report.md);
- waits at most IOPUB_TIMEOUT seconds for a cell's remaining output after its reply (a timeout,
  not a silently incomplete cell) and at most SHUTDOWN_TIMEOUT seconds for the kernel to stop
  (then kills its process tree);
- retries a notebook that failed by a timeout once, in a fresh kernel, and says so; a cell that
  raises is reported with its number and not retried.
"""
from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from queue import Empty
from typing import Any, Callable

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, CellTimeoutError, DeadKernelError

CELL_TIMEOUT = int(os.environ.get("NOTEBOOK_CELL_TIMEOUT", "300"))  # seconds per cell
POLL_SLICE = 0.5  # seconds: longest single wait on a kernel socket
IOPUB_TIMEOUT = 15  # seconds for a cell's remaining output after its execute_reply
STARTUP_TIMEOUT = 120  # seconds for a fresh kernel to answer
SHUTDOWN_TIMEOUT = 30  # seconds for the kernel to stop before its processes are killed
RETRIES = 1  # fresh-kernel retries of a notebook that failed by a timeout


class NotebookTimeout(TimeoutError):
    """A notebook stopped by a timeout (a cell, its output, the kernel's start): retried once."""

    def __init__(self, notebook: str, cell: int | None, message: str):
        where = f"cell {cell}" if cell else "kernel"
        super().__init__(f"{notebook}: {where}: {message}")
        self.notebook, self.cell, self.detail = notebook, cell, message


class NotebookCellError(RuntimeError):
    """A cell raised (or its kernel died): reported with the cell's number, never retried."""

    def __init__(self, notebook: str, cell: int | None, message: str, traceback: str = ""):
        super().__init__(f"{notebook}: {f'cell {cell}' if cell else 'kernel'}: {message}")
        self.notebook, self.cell, self.traceback = notebook, cell, traceback


@dataclass
class Execution:
    """One notebook run. `seconds` is the wall time of the attempt that succeeded (kernel start
    to kernel stop); `cell_seconds` the kernel's own time per code cell (execute_input to
    execute_reply); what is left is the time spent outside the cells."""

    notebook: nbformat.NotebookNode
    seconds: float
    peak_bytes: int
    cell_seconds: list[tuple[int, float]]  # (1-based cell number, seconds) per executed code cell
    cell_wall_seconds: dict[int, float]  # the executor's own wait per code cell, same numbering
    startup_seconds: float
    shutdown_seconds: float
    late_replies: int = 0  # shell replies found only at the end of a poll slice (missed wake-ups)
    attempts: int = 1
    retried_because: str = ""  # the timeout that made the first attempt fail, if it did
    total_seconds: float = 0.0  # all attempts together
    notes: list[str] = field(default_factory=list)

    @property
    def outside_seconds(self) -> float:
        return self.seconds - sum(seconds for _, seconds in self.cell_seconds)


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def kernel_cell_seconds(notebook) -> list[tuple[int, float]]:
    """(1-based cell number, seconds) for each executed code cell, from nbclient's timings."""
    times = []
    for number, cell in enumerate(notebook.cells, start=1):
        timing = cell.get("metadata", {}).get("execution", {})
        start = timing.get("iopub.execute_input") or timing.get("iopub.status.busy")
        end = timing.get("shell.execute_reply") or timing.get("iopub.status.idle")
        if cell.cell_type == "code" and start and end:
            times.append((number, (_timestamp(end) - _timestamp(start)).total_seconds()))
    return times


class RobustNotebookClient(NotebookClient):
    """NotebookClient whose every wait on the kernel is short or bounded (see the module doc)."""

    poll_slice = POLL_SLICE
    shutdown_timeout = SHUTDOWN_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_cell: int | None = None  # 0-based index of the cell being executed
        self.cell_wall: dict[int, float] = {}
        self.late_replies = 0
        self.ready_at: float | None = None
        self.shutdown_seconds = 0.0
        self.kernel_pid: int | None = None
        self.on_notebook_start = self._kernel_ready

    def _kernel_ready(self, notebook: Any = None) -> None:
        self.ready_at = time.perf_counter()
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        self.kernel_pid = getattr(process, "pid", None)

    async def _sliced_get_msg(self, channel: Any, timeout: float, count_late: bool = False) -> dict[str, Any]:
        start = time.perf_counter()
        msg = await channel.get_msg(timeout=timeout)
        if count_late and timeout >= self.poll_slice and time.perf_counter() - start >= timeout - 0.005:
            self.late_replies += 1  # found by the slice's final zero-timeout poll, not by a wake-up
        return msg

    async def async_execute_cell(self, cell: Any, cell_index: int, execution_count: int | None = None,
                                 store_history: bool = True) -> Any:
        self.current_cell = cell_index
        start = time.perf_counter()
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            if cell.cell_type == "code" and cell.source.strip():
                self.cell_wall[cell_index + 1] = time.perf_counter() - start

    async def _async_poll_for_reply(self, msg_id: str, cell: Any, timeout: int | None,
                                    task_poll_output_msg: asyncio.Future,
                                    task_poll_kernel_alive: asyncio.Future) -> dict[str, Any]:
        assert self.kc is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                task_poll_kernel_alive.cancel()
                await self._async_check_alive()  # a dead kernel is a DeadKernelError, not a timeout
                self.shutdown_kernel = "immediate"  # a kernel stuck in a cell is killed, not asked
                raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", timeout, cell)
            wait = self.poll_slice if remaining is None else min(self.poll_slice, remaining)
            try:
                msg = await self._sliced_get_msg(self.kc.shell_channel, wait, count_late=True)
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if self.record_timing:
                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
            try:
                await asyncio.wait_for(task_poll_output_msg, self.iopub_timeout)
            except (asyncio.TimeoutError, Empty):
                task_poll_kernel_alive.cancel()
                self.shutdown_kernel = "immediate"
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Timeout waiting for IOPub output", self.iopub_timeout, cell) from None
            task_poll_kernel_alive.cancel()
            return msg

    async def _async_poll_output_msg(self, parent_msg_id: str, cell: Any, cell_index: int) -> None:
        assert self.kc is not None
        while True:
            try:
                msg = await self._sliced_get_msg(self.kc.iopub_channel, self.poll_slice)
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> None:
        if cell is None:  # nbclient asserts here when the kernel_info reply never comes
            raise CellTimeoutError(f"Timeout waiting for the kernel_info reply ({timeout} s)")
        return await super()._async_handle_timeout(timeout, cell)

    async def _async_cleanup_kernel(self) -> None:
        start = time.perf_counter()
        try:
            await asyncio.wait_for(super()._async_cleanup_kernel(), self.shutdown_timeout)
        except asyncio.TimeoutError:
            self._kill_kernel_tree()
            self.log.warning("kernel did not stop in %s s: killed", self.shutdown_timeout)
        finally:
            self.shutdown_seconds += time.perf_counter() - start

    def _kill_kernel_tree(self) -> None:
        if self.kernel_pid is None:
            return
        try:
            root = psutil.Process(self.kernel_pid)
            for process in [*root.children(recursive=True), root]:
                process.kill()
        except psutil.Error:
            pass


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


def _attempt(path: Path, timeout: int) -> Execution:
    """Execute the notebook once, in a fresh kernel in its own folder."""
    notebook = nbformat.read(path, as_version=4)
    client = RobustNotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                  iopub_timeout=IOPUB_TIMEOUT, raise_on_iopub_timeout=True,
                                  startup_timeout=STARTUP_TIMEOUT, shell_timeout_interval=1,  # kernel_info
                                  resources={"metadata": {"path": str(path.parent)}})
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_rss_watch, args=(client, stop, peak), daemon=True)
    watcher.start()
    start = time.perf_counter()

    def number() -> int | None:
        return None if client.current_cell is None else client.current_cell + 1

    try:
        client.execute()
    except CellTimeoutError as error:
        lines = str(error).strip().splitlines() or ["timed out"]
        raise NotebookTimeout(path.name, number(), " ".join(lines[:2])) from error
    except CellExecutionError as error:
        raise NotebookCellError(path.name, number(), f"{error.ename}: {error.evalue}", str(error)) from error
    except DeadKernelError as error:
        raise NotebookCellError(path.name, number(), "the kernel died (out of memory?)") from error
    except RuntimeError as error:  # jupyter_client: "Kernel didn't respond in N seconds"
        if "respond" in str(error):
            raise NotebookTimeout(path.name, None, str(error)) from error
        raise
    finally:
        stop.set()
        watcher.join()
    seconds = time.perf_counter() - start
    startup = (client.ready_at - start) if client.ready_at else 0.0
    return Execution(notebook, seconds, peak[0], kernel_cell_seconds(notebook), dict(client.cell_wall),
                     startup, client.shutdown_seconds, client.late_replies, total_seconds=seconds)


def execute_notebook(path: Path, timeout: int | None = None, retries: int = RETRIES,
                     log: Callable[[str], None] | None = None) -> Execution:
    """Execute a notebook without writing it back: retried in a fresh kernel after a timeout.

    Raises NotebookTimeout when every attempt timed out, NotebookCellError when a cell raised.
    """
    path = Path(path)
    timeout = CELL_TIMEOUT if timeout is None else timeout
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    began, first_failure = time.perf_counter(), ""
    for attempt in range(1, retries + 2):
        try:
            run = _attempt(path, timeout)
        except NotebookTimeout as error:
            if attempt > retries:
                if not retries:
                    raise
                raise NotebookTimeout(error.notebook, error.cell,
                                      f"{error.detail} (again after a retry in a fresh kernel)") from error
            first_failure = first_failure or str(error)
            log(f"{error}; retrying {path.name} once in a fresh kernel")
            continue
        run.attempts, run.retried_because = attempt, first_failure
        run.total_seconds = time.perf_counter() - began
        if first_failure:
            run.notes.append(f"retried after: {first_failure}")
        if run.late_replies:
            run.notes.append(f"{run.late_replies} execute_reply(s) found only at the end of a {POLL_SLICE} s "
                             "poll (probably a missed wake-up)")
        return run
    raise AssertionError("unreachable")


def execute_copy(path: Path, timeout: int | None = None) -> tuple[nbformat.NotebookNode, float, int]:
    """Execute a notebook in a fresh kernel (in its own folder) without writing it back.

    Returns the executed notebook (cell timings in each cell's metadata.execution), the wall
    time in seconds and the peak memory in bytes. `timeout` is per cell (default CELL_TIMEOUT).
    """
    run = execute_notebook(path, timeout)
    return run.notebook, run.seconds, run.peak_bytes


def execute(path: Path, timeout: int | None = None) -> tuple[float, int]:
    notebook, seconds, peak = execute_copy(path, timeout)
    nbformat.write(notebook, path)
    return seconds, peak


def main(paths: list[str]) -> int:
    for name in paths:
        try:
            run = execute_notebook(Path(name))
        except (NotebookTimeout, NotebookCellError) as error:
            print(f"{name}: FAILED: {error}", flush=True)
            if getattr(error, "traceback", ""):
                print(error.traceback, file=sys.stderr)
            return 1
        nbformat.write(run.notebook, name)
        notes = f" [{'; '.join(run.notes)}]" if run.notes else ""
        print(f"{name}: {run.seconds:.1f} s ({run.outside_seconds:.1f} s outside the cells), "
              f"peak memory {run.peak_bytes / 2**20:.0f} MiB{notes}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
