"""Loading a generator by the settings a project saves, e.g. {"type": "rhythm", "bpm": 120} or
{"type": "torchscript", "path": "model.ts", "steer": 8}."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mapper.generators.base import Generator, GeneratorError

TYPES = ("rhythm", "torchscript")


def load_generator(
    spec: dict[str, Any] | None, folder: Path | None = None, device: str | None = "auto"
) -> Generator:
    """`weights` (rhythm; None: shipped) and `path` (torchscript) in the settings are paths
    relative to the project `folder` (or absolute)."""
    kind = (spec or {}).get("type", "rhythm")
    if kind == "rhythm":
        from mapper.generators.rhythm.generator import load_generator as load_rhythm

        return load_rhythm(spec, folder, device)
    if kind == "torchscript":
        from mapper.generators.neural.player import load_from_spec

        return load_from_spec(spec or {}, folder, device)
    raise GeneratorError(f"unknown generator type {kind!r}; this version knows {', '.join(TYPES)}")
