"""The second numeric path of `make nbval-portable`, and the tolerance bands notebooks assert."""
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_utils.checks import assert_near

ROOT = Path(__file__).resolve().parent.parent


def test_the_portable_settings_change_the_arithmetic_on_this_machine():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "numeric_path.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "kernels DEFAULT  threads 1" in out.stdout


def test_makefile_runs_nbval_on_the_portable_path_in_make_test():
    makefile = (ROOT / "Makefile").read_text()
    assert "PORTABLE_ENV := ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1" in makefile
    assert "$(PORTABLE_ENV) $(PY) -m pytest -q $(NBVAL) $(NOTEBOOKS)" in makefile
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "nbval-portable" in test_line.split()


def test_assert_near_accepts_the_band_and_names_the_figure_outside_it():
    assert_near("bits/char", 2.37, 2.36, 0.03)
    assert_near("accuracy", 0.55, 0.538, 0.03)
    with pytest.raises(AssertionError, match=r"live bits/char = 2.5, outside the band 2.36 ± 0.03"):
        assert_near("live bits/char", 2.5, 2.36, 0.03)
    with pytest.raises(AssertionError, match="outside the band"):
        assert_near("nan", float("nan"), 1.0, 0.1)  # NaN is never inside a band
