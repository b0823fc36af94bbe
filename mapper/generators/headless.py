"""`mapper headless --generator rhythm [--bpm N] [--midi [PORT]] [--audio]`: what it adds."""

from __future__ import annotations

import argparse
from typing import Any

from mapper.generators.base import GeneratorError
from mapper.generators.player import latent_outputs
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.generators.sequencer import check_bpm


def wanted(args: argparse.Namespace, project_generator: dict[str, Any] | None) -> bool:
    return bool(getattr(args, "generator", None) or project_generator)


def check_options(args: argparse.Namespace, project_generator: dict[str, Any] | None) -> None:
    """GeneratorError for generator options given without a generator, or a bad tempo."""
    if not wanted(args, project_generator):
        for flag, value in (("--bpm", args.bpm), ("--midi", args.midi), ("--audio", args.audio)):
            if value:
                raise GeneratorError(f"{flag} plays a generator: add --generator rhythm")
    if args.bpm is not None:
        try:
            check_bpm(args.bpm)
        except ValueError as e:
            raise GeneratorError(f"--bpm: {e}") from None


def new_project_outputs(args: argparse.Namespace) -> tuple[list[Any], list[float]]:
    """A new project's outputs (one continuous output per latent dimension, with its range)
    and their first values (the centre of the first training style)."""
    gen = RhythmGenerator(device="cpu")
    dims = gen.latent_dims
    if args.outputs is not None and args.outputs != len(dims):
        raise GeneratorError(
            f"--generator rhythm makes one output per latent dimension ({len(dims)}); "
            "drop --outputs"
        )
    if args.type == "classifier":
        raise GeneratorError("--generator rhythm needs continuous outputs; drop --type")
    start = next(iter(gen.styles.values()), None)
    values = [0.0] * len(dims) if start is None else [round(float(v), 3) for v in start]
    return latent_outputs(dims), values


def attach(session: Any, args: argparse.Namespace) -> list[str]:
    """Attach and start the generator; returns the lines to print. GeneratorError if it cannot."""
    settings = dict(session.project.generator or {"type": args.generator or "rhythm"})
    if args.bpm is not None:
        settings["bpm"] = args.bpm
    player = session.attach_generator(settings, args.device)
    lines = []
    if args.midi:
        from mapper.generators.sinks.midi import MidiRhythmSink, open_midi_port

        player.add_sink(MidiRhythmSink.for_port(open_midi_port(args.midi)))
        lines.append(f"MIDI notes on channel 10 of port {args.midi!r}")
    if args.audio:
        from mapper.generators.sinks.audio import AudioRhythmSink

        player.add_sink(AudioRhythmSink.open())
        lines.append("sound from the built-in drum synth on the default audio output")
    player.start()
    names = session.engine.outputs
    steer = ", ".join(
        f"{d.name} <- {names[j].name if j is not None else '0 (no output)'}"
        for d, j in zip(player.latent_dims, player.outputs)
    )
    lines.insert(
        0,
        f"rhythm at {player.bpm:g} BPM on {player.generator.device}: {steer}; hits to "
        f"{session.osc.send} as /mapper/rhythm/hit",
    )
    return lines
