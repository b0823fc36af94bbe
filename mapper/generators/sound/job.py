"""A sound-model training on its own thread, for the terminal UI and headless mode: start it,
read its progress and loss history at any time (never blocking), cancel it (the best model so
far is still written)."""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable

from mapper.generators.sound.options import Progress, TrainOptions, TrainResult

log = logging.getLogger("mapper.sound")
HISTORY = 512  # training losses kept for a sparkline


def training_threads() -> int:
    """torch's threads for a training: every core this process may use but one, which the OSC
    receive thread keeps (at least one)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


class SoundTraining:
    """One training job. Every property may be read from any thread."""

    def __init__(
        self,
        options: TrainOptions,
        on_progress: Callable[[Progress], None] | None = None,
        on_end: Callable[[SoundTraining], None] | None = None,
        threads: int | None = None,
    ) -> None:
        """`on_progress(progress)` and `on_end(job)` are called on the training's thread;
        `threads`: torch's CPU threads while it trains (None: torch's default)."""
        self.options = options
        self._on_progress = on_progress
        self._on_end = on_end
        self._threads = threads
        self._stop = threading.Event()
        self._progress: Progress | None = None
        self._losses: deque[float] = deque(maxlen=HISTORY)
        self._result: TrainResult | None = None
        self._error = ""
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("this training has already started")
        thread = threading.Thread(target=self._run, name="sound-training", daemon=True)
        thread.start()
        self._thread = thread  # only once started: wait() may be called from any thread

    def cancel(self) -> None:
        """Stop at the next step; the best model so far is written (if there is one)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until it ends; True if it has."""
        if self._thread is None:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def progress(self) -> Progress | None:
        return self._progress

    @property
    def losses(self) -> list[float]:
        return list(self._losses)

    @property
    def result(self) -> TrainResult | None:
        return self._result

    @property
    def error(self) -> str:
        """Why it failed, in one line ("" while running or when it did not)."""
        return self._error

    def _report(self, progress: Progress) -> None:
        if progress.stage == "training" and progress.loss == progress.loss:  # not nan
            self._losses.append(progress.loss)
        self._progress = progress
        if self._on_progress is not None:
            self._on_progress(progress)

    def _run(self) -> None:
        import torch

        from mapper.errors import MapperError
        from mapper.generators.sound.training import train_sound

        threads = torch.get_num_threads()
        try:
            if self._threads is not None:
                torch.set_num_threads(self._threads)
            self._result = train_sound(self.options, self._report, self._stop)
        except MapperError as e:
            self._error = str(e)
            self._report(Progress("failed", line=self._error))
        except Exception as e:  # a bug must not pass silently, nor kill the UI
            log.exception("the sound training failed")
            self._error = f"the training failed: {type(e).__name__}: {e}"
            self._report(Progress("failed", line=self._error))
        finally:
            torch.set_num_threads(threads)
            if self._on_end is not None:
                self._on_end(self)
