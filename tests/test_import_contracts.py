"""The import contracts in pyproject.toml ([tool.importlinter]) hold: folders keep their roles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> str | None:
    """The lint-imports beside this Python (the project's .venv), else the one on the PATH."""
    beside = Path(sys.executable).with_name("lint-imports")
    return str(beside) if beside.exists() else shutil.which("lint-imports")


def test_the_contracts_name_the_seams_of_the_design():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert set(config["root_packages"]) == {"mapper", "tui"}
    contracts = {c["name"]: c for c in config["contracts"]}
    ui = [c for c in contracts.values() if c.get("source_modules") == ["mapper"]]
    assert ui and {"tui", "textual", "rich"} <= set(ui[0]["forbidden_modules"])
    core = [c for c in contracts.values() if c.get("source_modules") == ["mapper.core"]]
    assert core and {"mapper.osc", "mapper.project", "mapper.session"} <= set(
        core[0]["forbidden_modules"]
    )
    assert any(c["type"] == "layers" for c in contracts.values())


def test_every_import_contract_is_kept():
    command = lint_imports()
    if command is None:
        pytest.skip("lint-imports is not installed (pip install -e '.[dev]' installs it)")
    done = subprocess.run(
        [command],  # reads ./pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " 0 broken" in done.stdout
