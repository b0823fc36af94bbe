"""The real-time factor means one thing wherever it is shown (the neural panel, headless,
/mapper/neural/status, `mapper generator rtf`): the model's compute, not the waits of a busy
process; and the audio decoded ahead rides out the stalls of a busy machine, so a demo left
alone does not pile up underruns."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from mapper.cli.neural_commands import time_blocks
from mapper.generators.neural.real_time import DecodeTimes, timed
from mapper.generators.neural.sound_out import ClockOutput
from mapper.generators.neural.streamer import AHEAD_SECONDS, Streamer, default_ahead

from .conftest import wait_for

RATE = 16000
RATIO = 512  # the toy's block: 32 ms
COMPUTE = 0.002  # seconds of real work per block


def work(seconds: float) -> None:
    """Compute (the CPU busy) for `seconds` of this thread's own time."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def busy_decode(z: np.ndarray) -> np.ndarray:
    work(COMPUTE)
    return np.zeros((1, RATIO), np.float32)


def crowded_decode(z: np.ndarray) -> np.ndarray:
    """The same work, in a process where the decode thread also waits 8 ms each block (for
    Python's interpreter lock behind a terminal UI, for a core): waiting, not computing."""
    work(COMPUTE / 2)
    time.sleep(0.008)
    work(COMPUTE / 2)
    return np.zeros((1, RATIO), np.float32)


def streamed_factor(decode) -> float:
    s = Streamer(decode, lambda: np.zeros(1), 1, RATIO, RATE, ahead=32)
    s.start()
    try:
        wait_for(lambda: s.blocks >= 32, timeout=10)
    finally:
        s.stop()
    return s.stats().real_time_factor


def test_the_real_time_factor_is_the_models_compute_whatever_else_the_process_does():
    alone = streamed_factor(busy_decode)
    crowded = streamed_factor(crowded_decode)
    expected = (RATIO / RATE) / COMPUTE  # 32 ms of audio per 2 ms of compute: 16
    assert alone == pytest.approx(expected, rel=0.35)
    assert crowded == pytest.approx(alone, rel=0.35)  # the waits are not the model's


def test_mapper_generator_rtf_measures_it_as_the_player_does():
    gen = SimpleNamespace(latent_size=1, decode=busy_decode, block_seconds=RATIO / RATE)
    times = time_blocks(gen, 0.2)  # type: ignore[arg-type]
    command = DecodeTimes(gen.block_seconds)
    for t in times:
        command.add(t)
    assert command.real_time_factor == pytest.approx(streamed_factor(busy_decode), rel=0.35)


def test_a_block_is_timed_by_its_compute_only():
    def asleep(z: np.ndarray) -> np.ndarray:
        time.sleep(0.05)
        return z

    _, seconds = timed(asleep, np.zeros(1))
    assert seconds < 0.02  # 50 ms asleep is not 50 ms of compute


def test_by_default_a_small_models_blocks_are_decoded_well_ahead():
    assert default_ahead(RATIO / RATE) * RATIO / RATE >= AHEAD_SECONDS >= 0.15  # the toy: 5
    assert default_ahead(2048 / 48000) == 4  # RAVE at 48 kHz: 171 ms
    assert default_ahead(1.0) == 2  # never fewer than two


def test_a_stall_of_the_machine_is_ridden_out_without_underruns():
    """A busy two-core machine stalls the decode thread now and then: a garbage-collection
    pass over the terminal UI's objects, training, another process taking the core (60-150 ms
    measured). With two blocks ahead (64 ms of the toy) every such stall was an underrun,
    counted while the demo sat idle; with AHEAD_SECONDS ahead, a 70 ms stall is not heard."""
    stall = threading.Event()

    def decode(z: np.ndarray) -> np.ndarray:
        if stall.is_set():
            stall.clear()
            time.sleep(0.07)  # the stall: the model itself is fast
        return np.zeros((1, RATIO), np.float32)

    s = Streamer(decode, lambda: np.zeros(1), 1, RATIO, RATE)  # the default: ahead in time
    clock = ClockOutput(s)
    s.start()
    clock.start()
    try:
        wait_for(lambda: clock.frames > RATE // 4, timeout=10)  # playing steadily
        before = s.underruns
        stall.set()
        wait_for(lambda: not stall.is_set(), timeout=5)
        time.sleep(0.3)  # the stall and the catching up after it
        assert s.underruns == before, f"{s.underruns - before} underruns in a 70 ms stall"
    finally:
        clock.stop()
        s.stop()
