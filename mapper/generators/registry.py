"""Loading a generator by the settings a project saves, e.g. {"type": "rhythm", "bpm": 120}."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mapper.generators.base import Generator, GeneratorError

TYPES = ("rhythm",)


def load_generator(
    spec: dict[str, Any] | None, folder: Path | None = None, device: str | None = "auto"
) -> Generator:
    """`weights` in the settings is a path relative to the project `folder` (None: shipped)."""
    kind = (spec or {}).get("type", "rhythm")
    if kind == "rhythm":
        from mapper.generators.rhythm.generator import load_generator as load_rhythm

        return load_rhythm(spec, folder, device)
    raise GeneratorError(f"unknown generator type {kind!r}; this version knows {', '.join(TYPES)}")
