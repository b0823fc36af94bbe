"""`mapper generator train|render` and the generator options of `mapper headless`.

Only argparse here: the work is imported when a command runs, so `mapper --help` stays light.
"""

from __future__ import annotations

import argparse
from typing import Any

TRAIN_HELP = """\
Train the rhythm model on your own patterns: text grids (*.txt, see the shipped ones in
mapper/generators/rhythm/data/) or MIDI files (*.mid: General MIDI drum notes, quantized to 16
steps a bar, one pattern per bar). --from-shipped fine-tunes the shipped model instead of
starting from scratch. --out a project folder saves the weights inside it (rhythm-weights.npz)
and makes the project use them from then on (train while the project is closed); --out FILE.npz
writes them anywhere.

examples:
  mapper generator train rhythm --data my-loops/ --from-shipped --out my-instrument
  mapper generator train rhythm --data my-loops/ --out my-drums.npz
"""

RENDER_HELP = """\
Render bars of the rhythm model at one latent point, offline: a WAV file (the built-in drum
synth), a MIDI file (General MIDI drums, channel 10) or a text grid (.txt).

examples:
  mapper generator render rhythm --latent 0.5,-1,0,2 --bars 4 --out groove.wav
  mapper generator render rhythm --style house --bars 2 --bpm 124 --out house.mid
"""


def add_headless_options(h: argparse.ArgumentParser) -> None:
    g = h.add_argument_group("generator (latent steering)")
    g.add_argument(
        "--generator",
        choices=("rhythm",),
        help="steer the shipped drum-pattern model with the outputs and play it (a new project "
        "gets one output per latent dimension); hits go out as /mapper/rhythm/hit",
    )
    g.add_argument("--bpm", type=float, metavar="N", help="tempo of the generator (default 120)")
    g.add_argument(
        "--device",
        default="auto",
        metavar="auto|cpu|cuda",
        help="where the generator runs (default auto: CUDA when present, else the CPU)",
    )
    g.add_argument(
        "--midi",
        nargs="?",
        const="gesture-mapper rhythm",
        metavar="PORT",
        help="also play the hits as MIDI notes (channel 10) on PORT, or on a new virtual port "
        "'gesture-mapper rhythm' (needs the midi extra)",
    )
    g.add_argument(
        "--audio",
        action="store_true",
        help="also play the hits with the built-in drum synth (needs the audio extra)",
    )


def add_commands(commands: Any) -> None:
    """Add `generator train` and `generator render` to the `mapper` subcommands."""
    gen = commands.add_parser(
        "generator", help="train or render the latent models (the drum-pattern model)"
    )
    sub = gen.add_subparsers(dest="generator_command", metavar="ACTION", required=True)
    t = sub.add_parser(
        "train",
        help="train the rhythm model on your patterns",
        description=TRAIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("type", choices=("rhythm",), help="the generator")
    t.add_argument("--data", required=True, metavar="DIR", help="a folder (or file) of patterns")
    t.add_argument("--out", required=True, metavar="PROJECT_DIR|FILE.npz", help="where to save")
    t.add_argument(
        "--from-shipped", action="store_true", help="fine-tune the shipped model (faster)"
    )
    t.add_argument("--epochs", type=int, metavar="N", help="passes over the data (default 400)")
    t.add_argument("--device", default="auto", metavar="auto|cpu|cuda")
    r = sub.add_parser(
        "render",
        help="render bars of the rhythm model to WAV, MIDI or text",
        description=RENDER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("type", choices=("rhythm",), help="the generator")
    where = r.add_mutually_exclusive_group()
    where.add_argument("--latent", metavar="Z1,Z2,...", help="the latent point (default: 0s)")
    where.add_argument("--style", metavar="NAME", help="the centre of a training style")
    r.add_argument("--bars", type=int, default=1, metavar="N", help="how many bars (default 1)")
    r.add_argument("--bpm", type=float, default=120.0, metavar="N", help="tempo (default 120)")
    r.add_argument("--out", required=True, metavar="FILE.wav|FILE.mid|FILE.txt")
    r.add_argument("--weights", metavar="FILE.npz|PROJECT_DIR", help="default: the shipped model")


def run(args: argparse.Namespace) -> int:
    from mapper.generators.commands import render, train

    return train(args) if args.generator_command == "train" else render(args)
