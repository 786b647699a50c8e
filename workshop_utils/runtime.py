"""The floor every module stands on: seeds, the compute device, the processor's name.

It imports nothing from the package; the environment report of notebook 00 is doctor.py."""
from __future__ import annotations

import os
import platform
import random

import numpy as np
import torch

DEVICE_ENV = "WORKSHOP_DEVICE"  # e.g. WORKSHOP_DEVICE=cpu forces the CPU


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (all devices) so runs repeat exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _mps_works() -> bool:
    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_available():
        return False
    try:  # some Macs report MPS but fail on first use
        torch.ones(1, device="mps").sum().item()
        return True
    except Exception:
        return False


def get_device(override: str | None = None) -> torch.device:
    """cuda if present, else a working Apple GPU (mps), else cpu.

    `override` (or the environment variable WORKSHOP_DEVICE) picks one explicitly and is
    checked: asking for a device this machine does not have is a clear error.
    """
    choice = (override or os.environ.get(DEVICE_ENV, "")).strip().lower()
    if not choice:
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_works() else torch.device("cpu")
    kind = choice.split(":")[0]
    if kind not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {choice!r}; use 'cpu', 'cuda', 'cuda:N' or 'mps' "
                         f"(or unset {DEVICE_ENV})")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {choice!r} was requested but this machine has no CUDA GPU; "
                           f"use 'cpu' or unset {DEVICE_ENV}")
    if kind == "cuda" and ":" in choice and int(choice.split(":")[1]) >= torch.cuda.device_count():
        raise RuntimeError(f"device {choice!r} was requested but only "
                           f"{torch.cuda.device_count()} CUDA device(s) exist")
    if kind == "mps" and not _mps_works():
        raise RuntimeError(f"device 'mps' was requested but no working Apple GPU was found; "
                           f"use 'cpu' or unset {DEVICE_ENV}")
    return torch.device(choice)


def cpu_name() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux), for reports."""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
