"""What `mapper generator rtf` and `mapper generator toy-ts` do."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.neural.model import NeuralGenerator, load_model
from mapper.generators.neural.real_time import RECENT, timed
from mapper.generators.neural.streamer import StreamStats

MAX_SECONDS = 3600.0


def _fail(message: str) -> int:
    print(f"mapper: {message}", file=sys.stderr)
    return 1


def time_blocks(gen: NeuralGenerator, seconds: float, seed: int = 0) -> list[float]:
    """Compute time of each block decoded in a row for about `seconds` of wall time (at least
    one block), the latent point wandering a little each block as a gesture would move it.
    Each block is timed as the player times it (mapper.generators.neural.real_time)."""
    rng = np.random.default_rng(seed)
    z = np.zeros(gen.latent_size)
    times: list[float] = []
    end = time.monotonic() + seconds
    while not times or time.monotonic() < end:
        z = np.clip(z + rng.normal(0.0, 0.1, gen.latent_size), -2.0, 2.0)
        times.append(timed(gen.decode, z)[1])
    return times


def measure(args: argparse.Namespace) -> int:
    """Play the model as the player does, for --seconds: its decode thread a few blocks ahead
    of a real-time clock, the latent point wandering; then its figures, the player's own."""
    if not 0 < args.seconds <= MAX_SECONDS:
        return _fail(f"--seconds must be above 0 and at most {MAX_SECONDS:g}")
    if args.threads is not None and args.threads < 1:
        return _fail("--threads must be at least 1")
    try:
        gen = load_model(Path(args.model), args.device, threads=args.threads)
    except GeneratorError as e:
        return _fail(str(e))
    stats = play_for(gen, args.seconds)
    if stats.error:  # the model failing while it is timed: its own message, one line
        return _fail(f"{args.model}: {stats.error} (while timing it)")
    factor = stats.real_time_factor
    threads = f", {gen.threads} CPU thread{'s' if gen.threads != 1 else ''}" if gen.threads else ""
    print(gen.describe() + threads)
    print(
        f"played {stats.blocks * gen.block_seconds:.1f} s of audio ({stats.blocks} blocks, "
        f"{stats.ahead} decoded ahead), as the player plays it: real-time factor {factor:.2f} "
        f"(seconds of audio per second of compute over the last {min(RECENT, stats.blocks)} "
        "blocks, the figure the terminal UI and headless show)"
    )
    print(
        f"per block: median {stats.block_ms:.2f} ms of compute; each block plays "
        f"{stats.block_budget_ms:.2f} ms; underruns {stats.underruns} "
        f"({stats.underrun_seconds:.2f} s of silence)"
    )
    if 0 < factor < 1.0:
        print("slower than real time here: expect gaps (underruns); try --device cuda")
    return 0


def play_for(gen: NeuralGenerator, seconds: float, seed: int = 0) -> StreamStats:
    """The stream figures after playing `gen` for `seconds` on the silent real-time clock."""
    from mapper.generators.neural.sound_out import ClockOutput
    from mapper.generators.neural.streamer import Streamer

    rng = np.random.default_rng(seed)
    z = np.zeros(gen.latent_size)

    def wandering() -> np.ndarray:  # a gesture moving the point a little every block
        nonlocal z
        z = np.clip(z + rng.normal(0.0, 0.1, gen.latent_size), -2.0, 2.0)
        return z

    streamer = Streamer(gen.decode, wandering, gen.channels, gen.ratio, gen.sample_rate)
    clock = ClockOutput(streamer)
    streamer.start()
    clock.start()
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not streamer.error:
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
    finally:
        clock.stop()
        streamer.stop()
    return streamer.stats()


def toy(args: argparse.Namespace) -> int:
    from mapper.generators.neural.toy import write_toy

    out = Path(args.out)
    if out.exists() and not args.force:
        return _fail(f"{out} exists; add --force to replace it")
    if not out.parent.is_dir():
        return _fail(f"cannot write {out}: {out.parent} is not a folder that exists")
    for name, value in (("--latent", args.latent - 1), ("--ratio", args.ratio)):
        if value < 1:
            return _fail(f"{name} is too small")
    if args.sr < 1 or args.channels < 1:
        return _fail("--sr and --channels must be at least 1")
    try:
        write_toy(
            out,
            latent_size=args.latent,
            ratio=args.ratio,
            sample_rate=args.sr,
            channels=args.channels,
        )
    except (OSError, RuntimeError) as e:  # torch's save says RuntimeError for a bad path
        return _fail(f"cannot write {out}: {e}")
    print(
        f"wrote {out}: a toy with RAVE's interface ({args.sr} Hz, {args.channels} channel(s), "
        f"{args.ratio} samples per latent frame, latent size {args.latent}; latent-1 pitch, "
        "latent-2 loudness)"
    )
    return 0
