"""The engine never imports the UI toolkit, and `mapper --help` stays light."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import mapper


def engine_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(mapper.__path__, "mapper.")]


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_every_engine_module_imports_without_textual_or_rich():
    modules = engine_modules()
    assert "mapper.core.engine" in modules and "mapper.osc.server" in modules
    for module in modules:
        if module == "mapper.__main__":
            continue
        loaded = loaded_after_import(module)
        assert "textual" not in loaded, module
        assert "rich" not in loaded, module


def test_the_command_line_loads_no_heavy_libraries():
    loaded = loaded_after_import("mapper.cli.main")
    assert not loaded & {"numpy", "sklearn", "scipy", "torch", "textual"}
