"""The install: one import package, `regimebot`, whose explicit package list names every folder of code."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("bot", "handlers", "jobs", "storage", "macro")


def test_every_code_folder_is_in_the_package_list():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"regimebot." + ".".join(init.parent.relative_to(REPO).parts)
             for layer in LAYERS for init in (REPO / layer).rglob("__init__.py")}
    assert found == listed
    assert config["package-dir"] == {f"regimebot.{layer}": layer for layer in LAYERS}


@pytest.mark.slow
def test_a_plain_install_puts_only_regimebot_into_site_packages(tmp_path):
    """`pip install --no-deps .` (a wheel, not editable) into an empty folder: one top-level name, every module there."""
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(REPO)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    top = sorted(p.name for p in target.iterdir() if not p.name.endswith((".dist-info", ".egg-info")) and p.name != "bin")
    assert top == ["regimebot"]
    installed = {p.relative_to(target / "regimebot").as_posix() for p in (target / "regimebot").rglob("*.py")}
    source = {p.relative_to(REPO).as_posix() for layer in LAYERS for p in (REPO / layer).rglob("*.py")}
    assert installed == source
