"""The step sequencer: a clock thread that plays one bar of 16 steps, over and over.

At every step it plays that step's hits from the pattern prepared beforehand, then reads the
latest latent vector and decodes the pattern for the next step, so the decode never delays a
hit. A latent change is heard from the next step on. Tempo changes take effect at the next step.
Steps are scheduled on absolute times (no drift); the wait ends with short sleeps and yields,
so a step starts within a fraction of a millisecond of its time unless the machine is starved.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from mapper.generators.player import StepSink
from mapper.generators.tempo import check_bpm

log = logging.getLogger("mapper.sequencer")

SPIN = 0.002  # seconds before a step when the coarse wait ends (its wake-up is coarser)
FINE = 0.0002  # the last stretch, spent yielding rather than sleeping
REALTIME_PRIORITY = 10  # low among real-time priorities (audio servers use 70-95)
TIMING_WINDOW = 4096  # how many recent steps' lateness are kept (for the benchmark, the UI)


class Sequencer:
    """Plays `decode(latent())` one step at a time at `bpm` (16 steps a bar: sixteenth notes)."""

    def __init__(
        self,
        decode: Callable[[np.ndarray], np.ndarray],
        latent: Callable[[], np.ndarray],
        bpm: float = 120.0,
        sinks: Sequence[StepSink] = (),
        steps: int = 16,
    ) -> None:
        self._decode = decode
        self._latent = latent
        self._bpm = check_bpm(bpm)
        self.sinks = list(sinks)
        self.steps = steps
        self.step = -1  # the step last played (the playhead); -1 while stopped
        self.pattern: np.ndarray = decode(latent())
        self.lateness: deque[float] = deque(maxlen=TIMING_WINDOW)  # seconds, one per step
        self.errors = 0
        self.realtime = False  # whether the clock thread got real-time scheduling
        self._last_latent: np.ndarray | None = None
        self._sent: np.ndarray | None = None  # the pattern the sinks were last told about
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- the public API (TUI, OSC controls) -------------------------------------------------
    @property
    def bpm(self) -> float:
        return self._bpm

    def set_bpm(self, bpm: float) -> None:
        """Change the tempo; ValueError outside 20..400 BPM. Heard from the next step."""
        self._bpm = check_bpm(bpm)

    @property
    def step_seconds(self) -> float:
        return 60.0 / self._bpm / 4.0

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.playing:
                return
            self._stop.clear()
            self._sent = None  # the sinks hear the whole pattern again when playing starts
            self._thread = threading.Thread(target=self._run, name="mapper-sequencer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        self.step = -1

    def current_pattern(self) -> np.ndarray:
        """The pattern of the latest latent point: decoded now while stopped (so a UI shows
        what would play), the one playing otherwise."""
        if not self.playing:
            return self._prepare()
        return self.pattern

    # ---- the clock thread -------------------------------------------------------------------
    def _prepare(self) -> np.ndarray:
        z = self._latent()
        if self._last_latent is None or not np.array_equal(z, self._last_latent):
            self._last_latent = np.array(z, copy=True)
            self.pattern = self._decode(z)
        return self.pattern

    def _run(self) -> None:
        self.realtime = _ask_for_realtime()
        clock = time.perf_counter
        k = 0
        pattern = self._prepare()
        due = clock() + 0.005
        while not self._stop.is_set():
            if not _wait_until(due, self._stop):
                break
            self.lateness.append(clock() - due)
            self._play(k, pattern)
            self.step = k
            k = (k + 1) % self.steps
            due += self.step_seconds
            try:
                pattern = self._prepare()
            except Exception:  # keep the groove: play the last good pattern
                self.errors += 1
                log.exception("decoding the next pattern failed")
            behind = clock() - due
            if behind > self.step_seconds:  # starved (suspended laptop...): skip, do not burst
                due += self.step_seconds * (behind // self.step_seconds + 1)

    def _play(self, k: int, pattern: np.ndarray) -> None:
        changed = self._sent is None or not np.array_equal(pattern, self._sent)
        if changed:
            self._sent = pattern
        column = pattern[:, k]
        hits = [(int(v), int(column[v])) for v in np.flatnonzero(column)]
        for sink in self.sinks:
            try:
                if changed:
                    sink.pattern(pattern)
                sink.hits(k, hits)
            except Exception:
                self.errors += 1
                log.exception("a %s failed", type(sink).__name__)


def _wait_until(due: float, stop: threading.Event) -> bool:
    """Wait until perf_counter() reaches `due`; False if stopped meanwhile.

    A long wait on the stop event, then short sleeps, then yielding spins (sleep(0) lets the
    OSC receive thread take the interpreter lock: the hot path never waits for this clock).
    """
    clock = time.perf_counter
    remaining = due - clock() - SPIN
    if remaining > 0 and stop.wait(remaining):
        return False
    while (remaining := due - clock()) > 0:
        time.sleep(remaining - FINE if remaining > 2 * FINE else 0)
    return not stop.is_set()


def _ask_for_realtime() -> bool:
    """Real-time scheduling for the clock thread, where the system allows it (as audio
    programs do: root, CAP_SYS_NICE, or an rtprio limit); otherwise nothing changes."""
    if os.environ.get("MAPPER_NO_REALTIME") or not hasattr(os, "sched_setscheduler"):
        return False
    try:  # pid 0 is the calling thread on Linux
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(REALTIME_PRIORITY))
    except (OSError, AttributeError):
        return False
    return True
