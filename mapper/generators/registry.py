"""Opening a player by the settings a project saves, e.g. {"type": "rhythm", "bpm": 120} or
{"type": "torchscript", "path": "model.ts", "steer": 8}: the one place that knows every type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mapper.core.engine import Engine
from mapper.errors import GeneratorError
from mapper.generators.consent import MODEL_FILE_KEYS
from mapper.generators.controls import MessageSender
from mapper.generators.player import Player

TYPES = ("rhythm", "torchscript")
__all__ = ["MODEL_FILE_KEYS", "TYPES", "open_player"]


def open_player(
    spec: dict[str, Any],
    engine: Engine,
    folder: Path | None,
    device: str | None,
    sender: MessageSender,
    on_change: Callable[[dict[str, Any]], None] | None = None,
) -> Player:
    """A player for a project's generator settings, steered by `engine`'s outputs; model
    paths in the settings are relative to `folder`. The drum model's hits and a neural model's
    status replies go out through `sender`; `on_change(changes)` when the player changes some
    of what the project saves (a tempo: {"bpm": 110.0}). GeneratorError says what is wrong."""
    kind = spec.get("type", "rhythm")
    if kind == "rhythm":
        from mapper.generators.rhythm.player import open_rhythm_player
        from mapper.generators.rhythm.sinks.osc import OSCRhythmSink

        return open_rhythm_player(spec, engine, folder, device, [OSCRhythmSink(sender)], on_change)
    if kind == "torchscript":
        from mapper.generators.neural.player import open_neural_player

        return open_neural_player(spec, engine, folder, device, sender)
    raise GeneratorError(f"unknown generator type {kind!r}; this version knows {', '.join(TYPES)}")
