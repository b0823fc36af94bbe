"""`mapper generator train|render|rtf|toy-ts` and the generator options of `mapper headless`.

Only argparse here: the work is imported when a command runs, so `mapper --help` stays light.
"""

from __future__ import annotations

import argparse
from typing import Any

TRAIN_HELP = """\
sound: train a neural audio model on your own recordings (a folder, or one file, of WAV, FLAC,
OGG, AIFF or MP3, any rate and channels; at least 20 s of sound after silence is trimmed, two
to five minutes is best), within a time budget (--minutes, default 5), on the CPU or --device
cuda. It prints its progress; ctrl-c stops it and still writes the best model so far. --out
FILE.ts is a TorchScript model with RAVE's streaming interface: play it with --generator
torchscript:FILE.ts, or in nn~ (Max, Pure Data). --from MODEL.ts fine-tunes a model this
command made (`--from shipped`: the one mapper ships): better in the same time on more takes
of the same sound; for a new sound, start afresh. At the end it prints its quality on the
held-out tenth of the audio (see the README, Your own sound).

rhythm: train the rhythm model on your own patterns: text grids (*.txt, see the shipped ones in
mapper/generators/rhythm/data/) or MIDI files (*.mid: General MIDI drum notes, quantized to 16
steps a bar, one pattern per bar). --from-shipped fine-tunes the shipped model instead of
starting from scratch. --out a project folder saves the weights inside it (rhythm-weights.npz)
and makes the project use them from then on (train while the project is closed); --out FILE.npz
writes them anywhere.

examples:
  mapper generator train sound --data my-recordings/ --out cello.ts
  mapper cello-piece --generator torchscript:cello.ts --audio
  mapper generator train sound --data more-takes/ --from cello.ts --out cello2.ts --minutes 2
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


RTF_HELP = """\
Play a TorchScript model (a RAVE export) as the player plays it, on a silent real-time clock,
and print its real-time factor: seconds of audio decoded per second of compute, over the last
64 blocks, measured exactly as the terminal UI and headless measure it (above 1 it keeps up;
the player needs some margin, about 1.5 or more). The latent point moves a little every block.

examples:
  mapper generator rtf my-rave.ts                    # CUDA when present, else the CPU
  mapper generator rtf my-rave.ts --device cpu --threads 2 --seconds 20
"""

TOY_HELP = """\
Write a tiny model with RAVE's exported interface (decode, decode_params, sr, get_methods),
to try gesture-mapper's neural audio without RAVE. It is no neural network: each latent frame
becomes a sine tone, latent-1 its pitch (220 Hz x 2^z), latent-2 its loudness.

examples:
  mapper generator toy-ts toy.ts
  mapper headless my-toy --inputs 2 --generator torchscript:toy.ts --steer 2 --audio
"""


def add_headless_options(h: argparse.ArgumentParser) -> None:
    g = h.add_argument_group("generator (latent steering)")
    g.add_argument(
        "--generator",
        metavar="rhythm|sound|torchscript:PATH.ts",
        help="steer a latent model with the outputs and play it (a new project gets one output "
        "per latent dimension it steers): rhythm, the shipped drum-pattern model (hits go out "
        "as /mapper/rhythm/hit); sound, the shipped neural sound model; or torchscript:PATH.ts, "
        "a RAVE TorchScript export or a model `generator train sound` made, played as audio "
        "(--audio, --record-audio)",
    )
    g.add_argument(
        "--trust-models",
        action="store_true",
        help="let projects run the TorchScript models inside their own folders (a .ts model "
        "is a program); without it a project's model runs only if --generator names it. "
        "Model files outside a project's folder are never loaded from its settings",
    )
    g.add_argument(
        "--steer",
        type=int,
        metavar="N",
        help="torchscript: how many latent dimensions the outputs steer, the first N (PCA "
        "order: they matter most); the rest are held at 0 (default: 8, or all if fewer)",
    )
    g.add_argument(
        "--record-audio",
        metavar="FILE.wav",
        help="torchscript: write the audio played to a 16-bit WAV file, in real time (with "
        "or without --audio); finished on exit",
    )
    g.add_argument("--bpm", type=float, metavar="N", help="rhythm: tempo in BPM (default 120)")
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
        action=argparse.BooleanOptionalAction,
        default=None,
        help="play through the default audio output (needs the audio extra and PortAudio): "
        "rhythm, the hits with the built-in drum synth; torchscript, the model's audio; no "
        "generator, the outputs on the built-in synth (pitch, brightness, voice). Default: "
        "on in the terminal UI's demos when there is a sound device, else off",
    )


def add_commands(commands: Any) -> None:
    """Add `generator train` and `generator render` to the `mapper` subcommands."""
    gen = commands.add_parser(
        "generator",
        help="train or render the drum-pattern model; measure or try TorchScript (RAVE) models",
    )
    sub = gen.add_subparsers(dest="generator_command", metavar="ACTION", required=True)
    t = sub.add_parser(
        "train",
        help="train a sound model on your recordings, or the rhythm model on your patterns",
        description=TRAIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("type", choices=("sound", "rhythm"), help="the generator")
    t.add_argument(
        "--data", required=True, metavar="DIR", help="a folder (or file) of audio or patterns"
    )
    t.add_argument(
        "--out", required=True, metavar="FILE.ts|PROJECT_DIR|FILE.npz", help="where to save"
    )
    t.add_argument("--device", metavar="auto|cpu|cuda", help="sound: cpu; rhythm: auto")
    s = t.add_argument_group("sound")
    s.add_argument("--minutes", type=float, default=5.0, metavar="N", help="time budget (5)")
    s.add_argument("--latent", type=int, default=8, metavar="N", help="latent size, 2-16 (8)")
    s.add_argument("--rate", type=int, default=44100, metavar="HZ", help="sample rate (44100)")
    s.add_argument("--from", dest="from_model", metavar="MODEL.ts|shipped", help="fine-tune it")
    s.add_argument(
        "--min-seconds", type=float, default=20.0, metavar="N", help="refuse less sound (20)"
    )
    s.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (0)")
    s.add_argument("--force", action="store_true", help="replace FILE.ts if it exists")
    r = t.add_argument_group("rhythm")
    r.add_argument(
        "--from-shipped", action="store_true", help="fine-tune the shipped model (faster)"
    )
    r.add_argument("--epochs", type=int, metavar="N", help="passes over the data (default 400)")
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
    add_neural_commands(sub)


def add_neural_commands(sub: Any) -> None:
    """`generator rtf` and `generator toy-ts`: for RAVE TorchScript models."""
    f = sub.add_parser(
        "rtf",
        help="measure how fast a TorchScript (RAVE) model decodes: its real-time factor",
        description=RTF_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f.add_argument("model", metavar="PATH.ts", help="the model (a RAVE export)")
    f.add_argument("--device", default="auto", metavar="auto|cpu|cuda")
    f.add_argument(
        "--seconds", type=float, default=10.0, metavar="N", help="how long to play (default 10)"
    )
    f.add_argument(
        "--threads", type=int, metavar="N", help="torch's CPU threads (default 1, as it plays)"
    )
    t = sub.add_parser(
        "toy-ts",
        help="write a tiny RAVE-interface model (a sine: latent-1 pitch, latent-2 loudness)",
        description=TOY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("out", metavar="OUT.ts")
    t.add_argument("--latent", type=int, default=8, metavar="N", help="latent size (default 8)")
    t.add_argument(
        "--ratio", type=int, default=512, metavar="N", help="samples per latent frame (512)"
    )
    t.add_argument("--sr", type=int, default=16000, metavar="HZ", help="sample rate (16000)")
    t.add_argument("--channels", type=int, default=1, metavar="N", help="channels (default 1)")
    t.add_argument("--force", action="store_true", help="replace OUT.ts if it exists")


def run(args: argparse.Namespace) -> int:
    if args.generator_command in ("rtf", "toy-ts"):
        from mapper.cli.neural_commands import measure, toy

        return measure(args) if args.generator_command == "rtf" else toy(args)
    if args.generator_command == "train" and args.type == "sound":
        from mapper.cli.sound_commands import train_sound

        return train_sound(args)
    from mapper.cli.rhythm_commands import render, train

    return train(args) if args.generator_command == "train" else render(args)
