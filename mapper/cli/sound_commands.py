"""What `mapper generator train sound` does: train, print progress, stop cleanly on ctrl-c."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from mapper.errors import GeneratorError
from mapper.generators.sound.options import SHIPPED, Progress, TrainOptions

BAR = 24  # characters of the progress bar
QUIET_SECONDS = 10.0  # without a terminal, a progress line this often


def _fail(message: str) -> int:
    print(f"mapper: {message}", file=sys.stderr)
    return 1


def options_from(args: argparse.Namespace) -> TrainOptions:
    """The typed options; GeneratorError for rhythm-only flags."""
    if args.from_shipped or args.epochs:
        raise GeneratorError("--from-shipped and --epochs are for rhythm; sound takes --from")
    start = args.from_model
    return TrainOptions(
        data=Path(args.data),
        out=Path(args.out),
        minutes=args.minutes,
        latent=args.latent,
        sample_rate=args.rate,
        device=args.device or "cpu",
        from_model=SHIPPED if start == "shipped" else Path(start) if start else None,
        min_seconds=args.min_seconds,
        seed=args.seed,
        force=args.force,
    )


class Console:
    """The progress on stderr: one redrawn line on a terminal, a line every 10 s otherwise."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.last = 0.0
        self.drawn = False

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.stage == "training":
            filled = round(BAR * p.fraction)
            line = f"[{'#' * filled}{'.' * (BAR - filled)}] {p.line}"
            if self.live:
                print(f"\r{line[:110]:<110}", end="", file=sys.stderr, flush=True)
                self.drawn = True
            elif now - self.last >= QUIET_SECONDS:
                print(line, file=sys.stderr, flush=True)
                self.last = now
            return
        if self.drawn:
            print(file=sys.stderr)
            self.drawn = False
        if p.stage not in ("done", "cancelled"):
            print(p.line, file=sys.stderr, flush=True)


def train_sound(args: argparse.Namespace) -> int:
    from mapper.generators.sound.training import train_sound as train

    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # a second ctrl-c: stop now, write nothing
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping: the best model so far is written (ctrl-c again: quit now)",
              file=sys.stderr, flush=True)  # fmt: skip

    import torch

    from mapper.generators.sound.job import training_threads

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        options = options_from(args)
        # a core left to the rest of the machine: two threads on two busy cores train 20x slower
        torch.set_num_threads(training_threads())
        result = train(options, Console(), stop)
    except GeneratorError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"cannot write {args.out}: {e.strerror or e}")
    except KeyboardInterrupt:
        return _fail(f"stopped (whatever was written to {args.out} is whole)")
    finally:
        signal.signal(signal.SIGINT, previous)
    for line in result.summary:
        print(line)
    if result.stopped != "cancelled" and not math.isnan(result.quality.get("ratio_static", 0.0)):
        print(f"play it: mapper --generator torchscript:{options.out} --audio")
    return 0
