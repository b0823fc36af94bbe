"""Which generator a run plays: the command line's choice, else the project's own settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mapper.session.options import RHYTHM, TORCHSCRIPT, PlayOptions


def settings_to_play(
    options: PlayOptions, saved: dict[str, Any] | None, folder: Path | None
) -> dict[str, Any]:
    """The generator settings to open: the project's, unless the command line names another
    generator (the project's settings are kept when it names the same one), with the command
    line's --steer and --bpm on top."""
    saved = dict(saved or {})
    choice = options.generator
    if choice is None:
        spec = saved or {"type": RHYTHM}
    elif choice.kind == RHYTHM:
        spec = saved if saved and saved.get("type", RHYTHM) == RHYTHM else {"type": RHYTHM}
    else:
        from mapper.generators.neural.player import spec_path

        path = spec_path(str(choice.model), folder)
        same = saved.get("type") == TORCHSCRIPT and saved.get("path") == path
        spec = saved if same else {"type": TORCHSCRIPT, "path": path}
    if spec.get("type") == TORCHSCRIPT and options.steer:
        spec = {k: v for k, v in spec.items() if k != "outputs"}
        spec["steer"] = options.steer
    if spec.get("type", RHYTHM) == RHYTHM and options.bpm is not None:
        spec = {**spec, "bpm": options.bpm}
    return spec


def model_problem(
    options: PlayOptions, saved: dict[str, Any] | None, folder: Path | None
) -> str | None:
    """Why the generator this run would play may not load its model file (see
    mapper.generators.consent), or None when it may, or when nothing plays."""
    if not options.wanted(saved):
        return None
    return options.consent().problem(settings_to_play(options, saved, folder), folder)


def asks_for_trust(options: PlayOptions, saved: dict[str, Any] | None, folder: Path | None) -> bool:
    """True when only the user's yes to the models inside `folder` stands between this run and
    its generator's model (the TUI asks; headless says to add --trust-models)."""
    if folder is None or model_problem(options, saved, folder) is None:
        return False
    return model_problem(options.trusting(folder), saved, folder) is None
