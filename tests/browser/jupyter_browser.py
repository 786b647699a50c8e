"""Drive JupyterLab and Notebook 7 in headless Chromium to prove that widgets and figures work.

What is known to work here is written up in shared BROWSER-TESTING notes: Debian's
/usr/bin/chromium (never a downloaded browser) launched by Playwright, a Jupyter server
started from this environment on a free local port with a token and temporary JUPYTER_* folders,
and notebooks copied to a temporary folder so autosave never rewrites a committed notebook.

Which cells run, and what the page must show, is decided in notebook_plan.py.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .notebook_plan import NotebookPlan

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# What a widget looks like when the front end could not render it: its repr as plain text.
RAW_WIDGET_TEXT = re.compile(r"\b(interactive|IntSlider|FloatSlider|FloatLogSlider|SelectionSlider|"
                             r"IntRangeSlider|Dropdown|ToggleButtons|RadioButtons|Checkbox|VBox|HBox|"
                             r"Output|Button|Text|Play)\((children|value|description|layout|outputs)=")


# ----------------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """`jupyter lab` or `jupyter notebook` from this environment, on a free port, with a token."""

    def __init__(self, app: str, root: Path, token: str = "workshop-browser-test"):
        self.app, self.root, self.token = app, root, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        home = root.parent / f".jupyter-{app}"
        self.config_dir = home / "config"
        self.env = {**os.environ,
                    "JUPYTER_CONFIG_DIR": str(self.config_dir),
                    "JUPYTER_DATA_DIR": str(home / "data"),
                    "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
                    "IPYTHONDIR": str(home / "ipython"),
                    "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
                    "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
                    "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        # Render every cell (no virtual scrolling), so all prompts and outputs are in the page.
        tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        tracker.parent.mkdir(parents=True, exist_ok=True)
        tracker.write_text(json.dumps({"windowingMode": "none"}))
        self._write_page_config()
        self.log_path = home / "server.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "JupyterServer":
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [str(jupyter), self.app, "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.root)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited at once:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"jupyter {self.app} did not answer in 90 s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session (and its kernel), so kernels don't pile up in memory."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def notebook_url(self, relative: str, workspace: str) -> str:
        if self.app == "lab":  # a fresh workspace per notebook: nothing earlier is restored
            return f"{self.url}/lab/workspaces/{workspace}/tree/{relative}?token={self.token}"
        return f"{self.url}/notebooks/{relative}?token={self.token}"

    def disable_widget_extension(self, disabled: bool) -> None:
        """Switch the widget manager off (page config, read at each page load) for a negative check."""
        self._write_page_config({"@jupyter-widgets/jupyterlab-manager": disabled})

    def _write_page_config(self, extra: dict[str, bool] | None = None) -> None:
        # The "get Jupyter news?" toast would cover part of every screenshot.
        disabled = {"@jupyterlab/apputils-extension:announcements": True, **(extra or {})}
        page_config = self.config_dir / "labconfig" / "page_config.json"
        page_config.parent.mkdir(parents=True, exist_ok=True)
        page_config.write_text(json.dumps({"disabledExtensions": disabled}))


def stage_notebook(plan: NotebookPlan, root: Path) -> str:
    """Write the trimmed copy under root/notebooks/ (data/ beside it); return its path relative to root."""
    folder = root / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    data_link = root / "data"
    if not data_link.exists() and (PROJECT_ROOT / "data").is_dir():
        data_link.symlink_to(PROJECT_ROOT / "data")
    nbformat.write(plan.notebook, folder / f"{plan.name}.ipynb")
    return f"notebooks/{plan.name}.ipynb"


# ----------------------------------------------------------------------------- the page
JS_CODE_CELL_PROMPTS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell'))
    .map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '')"""
JS_ERRORS = """() => Array.from(document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => e.textContent).filter(t => /Traceback|Error\\b.*\\(most recent call last\\)/.test(t))"""
JS_RAW_TEXT = """() => Array.from(document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="text/plain"]')).map(e => e.textContent)"""
JS_IMAGES = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-RenderedImage img'))
    .map(i => i.complete && i.naturalWidth > 0)"""
JS_OUTPUT_SNAPSHOT = """(out) => Array.from(out.querySelectorAll('img')).map(i => i.src).join('|')
    + '#' + out.innerText"""
JS_OUTPUT_HAS_IMAGE = """(out) => Array.from(out.querySelectorAll('img'))
    .some(i => i.complete && i.naturalWidth > 0)"""


def wait_kernel_ready(page, timeout: float = 120) -> None:
    """Idle execution indicator AND a kernel name (running cells earlier starts a second kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count() > 0
        names = page.locator(".jp-Toolbar-kernelName").all_inner_texts()
        if idle and names and all(n.strip() and "No Kernel" not in n for n in names):
            return
        page.wait_for_timeout(250)
    raise TimeoutError("the kernel did not become ready in time")


def click_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).first.click()
    page.locator(".lm-Menu-item .lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).first.click()


START_SECONDS = 20  # a lost "Run All Cells" click: no cell starts within this time


def run_all_cells(page, timeout: float) -> list[str]:
    """Run all cells; wait until every code cell shows [n] or an error appears. Returns errors.

    A menu click can be lost (seen once in CI: every prompt stayed "[ ]:" for the whole timeout,
    the kernel idle). So the notebook is focused first, and when no cell has started (no "[*]" or
    "[n]") after START_SECONDS with the kernel idle, the click is repeated, at most three times.
    Repeating is safe: a click that queued anything shows "[*]" at once.
    """
    deadline = time.monotonic() + timeout
    for _ in range(3):
        page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()  # select a cell: focus
        click_menu(page, "Run", "Run All Cells")
        started = time.monotonic() + START_SECONDS
        while time.monotonic() < started:
            if any(re.search(r"\[(\*|\d+)\]", p) for p in page.evaluate(JS_CODE_CELL_PROMPTS)):
                break
            page.wait_for_timeout(250)
        else:
            continue
        break
    while time.monotonic() < deadline:
        errors = page.evaluate(JS_ERRORS)
        if errors:
            return [f"kernel error: {e[-800:]}" for e in errors]
        dialogs = page.locator(".jp-Dialog").all_inner_texts()
        if dialogs:  # e.g. "Kernel Restarting: the kernel appears to have died"
            return [f"dialog shown: {' '.join(d.split())[:300]}" for d in dialogs]
        prompts = page.evaluate(JS_CODE_CELL_PROMPTS)
        if prompts and all(re.search(r"\[\d+\]", p) for p in prompts):
            wait_kernel_ready(page, timeout=max(5.0, deadline - time.monotonic()))
            return page.evaluate(JS_ERRORS)
        page.wait_for_timeout(500)
    prompts = page.evaluate(JS_CODE_CELL_PROMPTS)
    return [f"cells did not finish in {timeout:.0f} s (prompts: {prompts})"]


def check_rendering(page, plan: NotebookPlan) -> list[str]:
    """Widgets are live controls, figures rendered, no raw widget text, no kernel errors."""
    problems = [f"kernel error: {e[-800:]}" for e in page.evaluate(JS_ERRORS)]
    problems += [f"dialog shown: {' '.join(d.split())[:300]}" for d in page.locator(".jp-Dialog").all_inner_texts()]
    body = page.locator("body").inner_text()
    if "Error displaying widget" in body:
        problems.append('"Error displaying widget" shown')
    raw = [t[:120] for t in page.evaluate(JS_RAW_TEXT) if RAW_WIDGET_TEXT.search(t)]
    if raw:
        problems.append(f"widget shown as plain text instead of a control: {raw}")
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    for position in plan.widget_cells:
        views = cells.nth(position).locator(".jp-OutputArea-output .jupyter-widgets")
        if views.count() == 0 or not views.first.is_visible():
            problems.append(f"code cell {position + 1}: no live widget displayed")
    sliders = page.locator(".jp-OutputArea-output .widget-slider").count()
    if sliders < plan.sliders:
        problems.append(f"{sliders} slider(s) in the page, {plan.sliders} expected")
    dropdowns = page.locator(".jp-OutputArea-output .widget-dropdown").count()
    if dropdowns < plan.dropdowns:
        problems.append(f"{dropdowns} dropdown(s) in the page, {plan.dropdowns} expected")
    images = page.evaluate(JS_IMAGES)
    if sum(images) < plan.images:
        problems.append(f"{sum(images)} figure(s) rendered, {plan.images} expected")
    if not all(images):
        problems.append(f"{images.count(False)} figure(s) failed to load")
    return problems


def _wait_output_changes(page, output, before: str, had_image: bool, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count() > 0
        after = output.evaluate(JS_OUTPUT_SNAPSHOT)
        if idle and after != before and (not had_image or output.evaluate(JS_OUTPUT_HAS_IMAGE)):
            return True
    return False


def _output_state(output) -> tuple[str, bool]:
    """What an output area shows now, and whether it holds an image."""
    return output.evaluate(JS_OUTPUT_SNAPSHOT), output.evaluate(JS_OUTPUT_HAS_IMAGE)


def _expect_change(page, output, before: tuple[str, bool], timeout: float, problems: list[str],
                   problem: str) -> int:
    """1 if the output changes from `before` within timeout; else record `problem` and return 0."""
    if _wait_output_changes(page, output, *before, timeout):
        return 1
    problems.append(problem)
    return 0


def drive_controls(page, timeout: float = 60) -> tuple[list[str], int]:
    """Move every slider (End, or Home if already there) and pick another option in every dropdown
    of every `interactive`; each must change what its output shows. Returns (problems, moved)."""
    problems, moved = [], 0
    explorers = page.locator(".jp-OutputArea-output .widget-interact")
    for e in range(explorers.count()):
        explorer = explorers.nth(e)
        output = explorer.locator(".widget-output").last
        if output.count() == 0:
            problems.append(f"explorer {e + 1}: no output area")
            continue
        sliders = explorer.locator(".widget-slider")
        for s in range(sliders.count()):
            slider = sliders.nth(s)
            if slider.locator("[disabled]").count():  # switched off by another control: not movable
                continue
            label = slider.locator(".widget-label").first.inner_text().strip() or f"slider {s + 1}"
            readout = slider.locator(".widget-readout").first
            before = _output_state(output)
            value = readout.inner_text()
            handle = slider.locator(".noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            handle.press("End")
            page.wait_for_timeout(200)
            if readout.inner_text() == value:
                handle.press("Home")
                page.wait_for_timeout(200)
            if readout.inner_text() == value:
                problems.append(f"explorer {e + 1}, {label}: the slider did not move (value {value})")
            else:
                moved += _expect_change(page, output, before, timeout, problems,
                                        f"explorer {e + 1}, {label}: moving the slider {value} -> "
                                        f"{readout.inner_text()} did not change the figure/output")
        selects = explorer.locator(".widget-dropdown select")
        for d in range(selects.count()):
            select = selects.nth(d)
            if select.is_disabled():
                continue
            options = select.locator("option").all_inner_texts()
            if len(options) < 2:
                continue
            before = _output_state(output)
            choice = (select.evaluate("s => s.selectedIndex") + 1) % len(options)
            select.select_option(index=choice)
            moved += _expect_change(page, output, before, timeout, problems,
                                    f"explorer {e + 1}: choosing {options[choice]!r} in a dropdown "
                                    "did not change the figure/output")
    return problems, moved


JS_BOX_STATE = """(box) => box.innerText + '#' + Array.from(box.querySelectorAll('textarea, input'))
    .map(e => e.value).join('|')"""


def drive_apps(page, timeout: float = 60) -> tuple[list[str], int]:
    """Widgets other than explorers (an app: text box + button): type into an empty text box,
    press the first button, and expect what the app shows to change. Returns (problems, pressed)."""
    problems, pressed = [], 0
    boxes = page.locator(".jp-OutputArea-output > .jupyter-widgets:not(.widget-interact)")
    for b in range(boxes.count()):
        box = boxes.nth(b)
        button = box.locator("button.widget-button:not([disabled])").first
        if button.count() == 0:
            continue
        text = box.locator("textarea, input[type=text]").first
        if text.count() and not text.input_value():
            text.fill("Write a line for a king.")
            text.press("Tab")  # commit the value to the kernel
        before = box.evaluate(JS_BOX_STATE)
        label = button.inner_text().strip()
        button.click()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and box.evaluate(JS_BOX_STATE) == before:
            page.wait_for_timeout(300)
        if box.evaluate(JS_BOX_STATE) == before:
            problems.append(f"widget {b + 1}: pressing {label!r} changed nothing in {timeout:.0f} s")
        else:
            pressed += 1
            page.wait_for_timeout(2000)  # let it finish what it started (e.g. streaming text)
    return problems, pressed


def screenshot(page, path: Path) -> None:
    """The first widget (else the first figure, else the top) in view, saved as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for selector in (".jp-OutputArea-output .widget-interact", ".jp-OutputArea-output .jupyter-widgets",
                     ".jp-RenderedImage img"):
        target = page.locator(selector)
        if target.count():
            target.first.scroll_into_view_if_needed()
            break
    page.screenshot(path=str(path))


@dataclass
class BrowserResult:
    problems: list[str]
    seconds: float
    controls_moved: int


def check_notebook(browser, server: JupyterServer, plan: NotebookPlan, screenshot_path: Path | None,
                   run_timeout: float = 300, drive: bool = True) -> BrowserResult:
    """Open the staged copy, wait for the kernel, run its cells, check and drive the widgets."""
    start = time.monotonic()
    relative = stage_notebook(plan, server.root)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server.notebook_url(relative, workspace=re.sub(r"\W", "-", plan.name)))
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        wait_kernel_ready(page)
        problems = run_all_cells(page, timeout=run_timeout)
        moved = 0
        if not problems:
            problems = check_rendering(page, plan)
            if drive and not problems:
                drive_problems, moved = drive_controls(page)
                app_problems, pressed = drive_apps(page)
                drive_problems, moved = drive_problems + app_problems, moved + pressed
                problems += drive_problems + [f"after moving controls: {e[-800:]}"
                                              for e in page.evaluate(JS_ERRORS)]
        if screenshot_path is not None:
            screenshot(page, screenshot_path)
        return BrowserResult(problems, time.monotonic() - start, moved)
    finally:
        context.close()
        server.shutdown_kernels()
