"""Fixtures for the browser test: one headless Chromium and one JupyterLab for the whole run."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .jupyter_browser import CHROMIUM, CHROMIUM_ARGS, JupyterServer


@pytest.fixture(scope="session")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: run `make browser-deps` (installs Debian's chromium)"
        # Under `make browser-test` / `make test` a missing browser fails; a bare pytest run skips.
        (pytest.fail if os.environ.get("REQUIRE_BROWSER") else pytest.skip)(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab") / "root"
    root.mkdir()
    with JupyterServer("lab", root) as server:
        yield server
