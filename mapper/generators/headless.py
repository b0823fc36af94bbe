"""`--generator rhythm|torchscript:PATH` and its options, for `mapper headless` and the TUI.

rhythm: [--bpm N] [--midi [PORT]] [--audio]; torchscript:MODEL.ts: [--steer N] [--audio]
[--record-audio FILE.wav]; both: [--device D].
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mapper.generators.base import GeneratorError
from mapper.generators.player import latent_outputs
from mapper.generators.routing import Routing
from mapper.generators.sequencer import check_bpm

RHYTHM, TORCHSCRIPT = "rhythm", "torchscript"
PREFIX = TORCHSCRIPT + ":"
FORMS = "rhythm (the drum model) or torchscript:PATH.ts (a RAVE export)"


def parse_generator(value: str | None) -> tuple[str, str | None] | None:
    """--generator's value as (type, model path or None); None when not given."""
    if not value:
        return None
    if value == RHYTHM:
        return RHYTHM, None
    if value.startswith(PREFIX) and value[len(PREFIX) :].strip():
        return TORCHSCRIPT, value[len(PREFIX) :]
    raise GeneratorError(f"--generator {value}: give {FORMS}")


def kind(args: argparse.Namespace, project_generator: dict[str, Any] | None) -> str | None:
    """The generator type this run plays (the command line's, else the project's), or None."""
    parsed = parse_generator(getattr(args, "generator", None))
    if parsed is not None:
        return parsed[0]
    if project_generator:
        return str(project_generator.get("type", RHYTHM))
    return None


def wanted(args: argparse.Namespace, project_generator: dict[str, Any] | None) -> bool:
    return bool(getattr(args, "generator", None) or project_generator)


def check_options(args: argparse.Namespace, project_generator: dict[str, Any] | None) -> None:
    """GeneratorError for options that do not fit the generator (or its absence), a bad tempo,
    a bad --steer or a --record-audio file that cannot be written."""
    playing = kind(args, project_generator)
    steer = getattr(args, "steer", None)
    record = getattr(args, "record_audio", None)
    if playing is None:
        for flag, value in (("--bpm", args.bpm), ("--midi", args.midi), ("--audio", args.audio)):
            if value:
                raise GeneratorError(f"{flag} plays a generator: add --generator rhythm")
        for flag, value in (("--steer", steer), ("--record-audio", record)):
            if value:
                raise GeneratorError(
                    f"{flag} is for a neural audio model: add --generator torchscript:MODEL.ts"
                )
    elif playing == TORCHSCRIPT:
        for flag, value in (("--bpm", args.bpm), ("--midi", args.midi)):
            if value:
                raise GeneratorError(
                    f"{flag} is for the drum model (--generator rhythm); a torchscript model "
                    "plays audio blocks at its own sample rate"
                )
    else:
        for flag, value in (("--steer", steer), ("--record-audio", record)):
            if value:
                raise GeneratorError(
                    f"{flag} is for a neural audio model (--generator torchscript:MODEL.ts), "
                    f"not the {playing} generator"
                )
    if steer is not None and steer < 1:
        raise GeneratorError("--steer must be at least 1")
    if record:
        path = Path(record)
        if path.is_dir() or not path.parent.is_dir():
            raise GeneratorError(
                f"--record-audio {record}: give a file in a folder that exists, e.g. take.wav"
            )
    if args.bpm is not None:
        try:
            check_bpm(args.bpm)
        except ValueError as e:
            raise GeneratorError(f"--bpm: {e}") from None


def new_project_outputs(args: argparse.Namespace) -> tuple[list[Any], list[float]]:
    """A new project's outputs (one continuous output per latent dimension it steers, with its
    range) and their first values (rhythm: the centre of the first training style; a neural
    model: 0, the centre of its latent space)."""
    parsed = parse_generator(getattr(args, "generator", None)) or (RHYTHM, None)
    if args.type == "classifier":
        raise GeneratorError(f"--generator {parsed[0]} needs continuous outputs; drop --type")
    if parsed[0] == TORCHSCRIPT:
        return _neural_outputs(args, str(parsed[1]))
    from mapper.generators.rhythm.generator import RhythmGenerator

    gen = RhythmGenerator(device="cpu")
    dims = gen.latent_dims
    if args.outputs is not None and args.outputs != len(dims):
        raise GeneratorError(
            f"--generator rhythm makes one output per latent dimension ({len(dims)}); "
            "drop --outputs"
        )
    start = next(iter(gen.styles.values()), None)
    values = [0.0] * len(dims) if start is None else [round(float(v), 3) for v in start]
    return latent_outputs(dims), values


def _neural_outputs(args: argparse.Namespace, path: str) -> tuple[list[Any], list[float]]:
    from mapper.generators.neural.model import load_model
    from mapper.generators.neural.player import default_steer

    gen = load_model(path, "cpu", warm_up=1)  # to read its interface; it plays on --device
    steer = getattr(args, "steer", None)
    if steer is None:
        steer = default_steer(gen.latent_size)
    if not 1 <= steer <= gen.latent_size:
        raise GeneratorError(
            f"--steer {steer}: {Path(path).name} has {gen.latent_size} latent dimensions "
            f"(steer 1 to {gen.latent_size})"
        )
    if args.outputs is not None and args.outputs != steer:
        raise GeneratorError(
            f"--generator torchscript makes one output per steered latent dimension ({steer}; "
            "--steer N changes it); drop --outputs"
        )
    return latent_outputs(gen.latent_dims[:steer]), [0.0] * steer


def new_project_spec(
    args: argparse.Namespace, folder: Path | None, n_outputs: int
) -> dict[str, Any]:
    """The generator settings a new project saves (a model path relative to the project
    folder when it is inside it)."""
    parsed = parse_generator(getattr(args, "generator", None)) or (RHYTHM, None)
    if parsed[0] == TORCHSCRIPT:
        from mapper.generators.neural.player import spec_path

        return {"type": TORCHSCRIPT, "path": spec_path(str(parsed[1]), folder), "steer": n_outputs}
    return {"type": RHYTHM, "bpm": args.bpm or 120.0, "weights": None}


def settings(session: Any, args: argparse.Namespace) -> dict[str, Any]:
    """What to play: the project's generator, unless the command line names another one."""
    saved = dict(session.project.generator or {})
    parsed = parse_generator(getattr(args, "generator", None))
    if parsed is None:
        spec = saved or {"type": RHYTHM}
    elif parsed[0] == RHYTHM:
        spec = saved if saved and saved.get("type", RHYTHM) == RHYTHM else {"type": RHYTHM}
    else:
        from mapper.generators.neural.player import spec_path

        path = spec_path(str(parsed[1]), session.folder)
        same = saved.get("type") == TORCHSCRIPT and saved.get("path") == path
        spec = saved if same else {"type": TORCHSCRIPT, "path": path}
    steer = getattr(args, "steer", None)
    if steer and spec.get("type") == TORCHSCRIPT:
        spec = {k: v for k, v in spec.items() if k != "outputs"}
        spec["steer"] = steer
    return spec


def attach(session: Any, args: argparse.Namespace) -> list[str]:
    """Attach and start the generator; returns the lines to print. GeneratorError if it cannot."""
    spec = settings(session, args)
    session.routing = Routing.from_args(args)  # projects opened later play there too
    if spec.get("type") == TORCHSCRIPT:
        return _attach_neural(session, args, spec)
    if args.bpm is not None:
        spec["bpm"] = args.bpm
    player = session.attach_generator(spec, args.device)
    lines = session.routing.apply(player)
    player.start()
    lines.insert(
        0,
        f"rhythm at {player.bpm:g} BPM on {player.generator.device}: {_steering(session, player)}"
        f"; hits to {session.osc.send} as /mapper/rhythm/hit",
    )
    return lines


def _steering(session: Any, player: Any) -> str:
    names = session.engine.outputs
    pairs = list(zip(player.latent_dims, player.outputs))
    if player.generator.type_name != TORCHSCRIPT:
        return ", ".join(
            f"{d.name} <- {names[j].name if j is not None else '0 (no output)'}" for d, j in pairs
        )
    line = ", ".join(f"{d.name} <- {names[j].name}" for d, j in pairs if j is not None)
    held = sum(j is None for _, j in pairs)
    return line + (f"; the other {held} held at 0" if held else "")


def _attach_neural(session: Any, args: argparse.Namespace, spec: dict[str, Any]) -> list[str]:
    player = session.attach_generator(spec, args.device)
    gen = player.generator
    lines = [
        f"torchscript {gen.describe()}"
        + (f" ({gen.threads} thread{'s' if gen.threads != 1 else ''})" if gen.threads else ""),
        f"steering {player.steer} of {gen.latent_size} latent dimensions: "
        + _steering(session, player),
    ]
    lines += session.routing.apply(player)
    player.start()
    ahead = player.stats.ahead
    lines.append(
        f"{ahead} blocks decoded ahead ({1000 * ahead * gen.block_seconds:.0f} ms); "
        "/mapper/neural/status answers playing, underruns, blocks, real-time factor"
    )
    return lines


def switched(session: Any) -> list[str]:
    """Where the generator of a project opened over OSC plays (once, after the switch)."""
    routing = getattr(session, "routing", None)
    return routing.take_news() if routing is not None else []


class Watch:
    """Underruns as they happen, for headless mode's status loop (at most one line a call)."""

    def __init__(self) -> None:
        self.underruns = 0
        self.error = ""

    def problems(self, session: Any) -> list[str]:
        player = session.generator
        stats = getattr(player, "stats", None)
        if stats is None:
            return []
        lines = []
        if stats.underruns > self.underruns:
            lines.append(
                f"audio underruns: {stats.underruns - self.underruns} more ({stats.underruns} "
                f"in all, {stats.underrun_seconds:.2f} s of silence); the model decodes at "
                f"{stats.recent_real_time_factor:.2f}x real time on {stats.device}"
            )
        elif stats.underruns < self.underruns:  # another player (a project switch)
            self.underruns = 0
        self.underruns = stats.underruns
        if stats.error and stats.error != self.error:
            lines.append(f"the neural audio model stopped: {stats.error}")
        self.error = stats.error
        return lines

    def report(self, session: Any) -> None:
        for line in self.problems(session):
            print(f"mapper: {line}", file=sys.stderr, flush=True)


def summary(session: Any) -> list[str]:
    """What the neural audio model played, for the end of a headless run."""
    player = session.generator
    stats = getattr(player, "stats", None)
    if stats is None:
        return []
    lines = [
        f"neural audio: {stats.blocks} blocks decoded, {stats.underruns} underruns "
        f"({stats.underrun_seconds:.2f} s of silence), real-time factor "
        f"{stats.real_time_factor:.2f} (seconds of audio per second of compute) on {stats.device}"
    ]
    routing = getattr(session, "routing", None)  # every WAV file of the run, in order
    for recorder in routing.recorders if routing else getattr(player, "recorders", []):
        lines.append(
            f"wrote {recorder.path} ({recorder.seconds:.1f} s)"
            + (f"; {recorder.error}" if recorder.error else "")
        )
    return lines
