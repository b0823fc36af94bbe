"""What `mapper generator rtf` and `mapper generator toy-ts` do."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.neural.model import NeuralGenerator, load_model
from mapper.generators.neural.streamer import rtf

MAX_SECONDS = 3600.0


def _fail(message: str) -> int:
    print(f"mapper: {message}", file=sys.stderr)
    return 1


def time_blocks(gen: NeuralGenerator, seconds: float, seed: int = 0) -> list[float]:
    """Compute time of each block decoded in a row for about `seconds` of wall time (at least
    one block), the latent point wandering a little each block as a gesture would move it."""
    rng = np.random.default_rng(seed)
    z = np.zeros(gen.latent_size)
    times: list[float] = []
    clock = time.perf_counter
    end = clock() + seconds
    while not times or clock() < end:
        z = np.clip(z + rng.normal(0.0, 0.1, gen.latent_size), -2.0, 2.0)
        t0 = clock()
        gen.decode(z)
        times.append(clock() - t0)
    return times


def measure(args: argparse.Namespace) -> int:
    if not 0 < args.seconds <= MAX_SECONDS:
        return _fail(f"--seconds must be above 0 and at most {MAX_SECONDS:g}")
    if args.threads is not None and args.threads < 1:
        return _fail("--threads must be at least 1")
    try:
        gen = load_model(Path(args.model), args.device, threads=args.threads)
        times = time_blocks(gen, args.seconds)
    except GeneratorError as e:
        return _fail(str(e))
    except Exception as e:  # the model failing while it is timed: its own message, one line
        from mapper.generators.neural.streamer import one_line

        return _fail(f"{args.model}: decode failed while timing it: {one_line(e)}")
    ms = np.array(times) * 1000
    audio = len(times) * gen.block_seconds
    threads = f", {gen.threads} CPU thread{'s' if gen.threads != 1 else ''}" if gen.threads else ""
    print(gen.describe() + threads)
    print(
        f"decoded {audio:.1f} s of audio in {sum(times):.2f} s of compute ({len(times)} blocks): "
        f"real-time factor {rtf(audio, sum(times)):.2f}"
    )
    print(
        f"per block: median {np.median(ms):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
        f"max {ms.max():.2f} ms; each block plays {1000 * gen.block_seconds:.2f} ms"
    )
    if rtf(audio, sum(times)) < 1.0:
        print("slower than real time here: expect gaps (underruns); try --device cuda")
    return 0


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
