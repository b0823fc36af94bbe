"""The command line's arguments into typed options, once, at the edge (UsageError or
GeneratorError say what to fix). Nothing past here sees an argparse.Namespace."""

from __future__ import annotations

import argparse
from pathlib import Path

from mapper.errors import UsageError
from mapper.osc.settings import parse_host_port
from mapper.session.options import (
    GeneratorChoice,
    InstrumentOptions,
    NetworkOptions,
    NewProjectOptions,
    PlayOptions,
)
from mapper.sources.spec import SourceSpec


def play_options(args: argparse.Namespace) -> PlayOptions:
    """--generator and its options (both `mapper headless` and `mapper` have them)."""
    return PlayOptions(
        generator=GeneratorChoice.parse(args.generator) if args.generator else None,
        steer=args.steer,
        bpm=args.bpm,
        device=args.device,
        midi=args.midi,
        audio=args.audio,  # None unless --audio or --no-audio
        record_audio=args.record_audio,
        trust_models=bool(args.trust_models),
    )


def _address(flag: str, value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    try:
        return parse_host_port(value)
    except ValueError as e:
        raise UsageError(f"{flag}: {e}") from None


def headless_options(args: argparse.Namespace) -> InstrumentOptions:
    """`mapper headless [PROJECT_DIR] ...`."""
    return InstrumentOptions(
        folder=Path(args.project).expanduser() if args.project else None,
        new=NewProjectOptions(
            args.inputs, args.outputs, args.type, args.classes, args.model, args.gestures
        ),
        network=NetworkOptions(
            _address("--listen", args.listen),
            _address("--send", args.send),
            allowed_dirs=tuple(Path(d) for d in args.allow_dir),
        ),
        play=play_options(args),
        run=bool(args.run),
        source=_source(args),
    )


def tui_options(args: argparse.Namespace) -> InstrumentOptions:
    """`mapper [PROJECT_DIR] ...`: no folder opens a demo; a new folder, the new-project form;
    a port already taken, a free one."""
    return InstrumentOptions(
        folder=Path(args.project).expanduser() if args.project else None,
        network=NetworkOptions(
            _address("--listen", args.listen), _address("--send", args.send), fallback_port=True
        ),
        play=play_options(args),
        demo=True,
        ask_for_new=True,
        source=_source(args),
    )


def _source(args: argparse.Namespace) -> SourceSpec | None:
    """--source NAME[:ARG] (UsageError naming the choices)."""
    text = getattr(args, "source", None)
    return SourceSpec.parse(text) if text else None
