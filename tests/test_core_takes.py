"""A timed take on its own: count in, record, stop by itself; cancelled, nothing more happens."""

from __future__ import annotations

import threading
import time

from mapper.core.engine import Engine, Mode
from mapper.core.outputs import make_outputs
from mapper.core.takes import Take


def recorded_take(count_in: float, record_for: float) -> tuple[Take, list[tuple[str, float]]]:
    """A take whose record and stop write down what happened, and when."""
    happened: list[tuple[str, float]] = []
    take = Take(
        count_in,
        record_for,
        threading.RLock(),
        record=lambda: happened.append(("record", time.monotonic())),
        stop=lambda: happened.append(("stop", time.monotonic())),
    )
    return take, happened


def test_a_take_counts_in_then_records_then_stops_by_itself():
    take, happened = recorded_take(count_in=0.2, record_for=0.3)
    started = time.monotonic()
    take.start()
    assert happened == []  # counting in
    assert take.count_in_ends > started and take.ends == 0.0
    assert take.join(timeout=5)
    assert [what for what, _ in happened] == ["record", "stop"]
    (_, recorded), (_, stopped) = happened
    assert recorded - started >= 0.19  # a wait may end a hair early (clock rounding)
    assert stopped - recorded >= 0.29
    assert take.count_in_ends == 0.0


def test_a_take_cancelled_during_its_count_in_never_records():
    take, happened = recorded_take(count_in=5.0, record_for=1.0)
    take.start()
    take.cancel()
    assert take.join(timeout=2)  # the count-in's wait ends at once, not after 5 s
    assert happened == []
    assert take.count_in_ends == take.ends == 0.0


def test_without_a_count_in_a_take_records_at_once_and_a_cancel_keeps_it_from_stopping():
    take, happened = recorded_take(count_in=0.0, record_for=5.0)
    take.start()
    assert [what for what, _ in happened] == ["record"]
    assert take.ends > time.monotonic()
    take.cancel()  # the musician stopped it by hand
    assert take.join(timeout=2)
    assert [what for what, _ in happened] == ["record"]


def test_the_engine_shows_the_count_in_and_forgets_it_when_stopped():
    engine = Engine(["x"], make_outputs(1))
    engine.set_transport(count_in=5.0, record_for=2.0)
    engine.record_take()
    assert engine.mode is Mode.COUNT_IN
    assert engine.count_in_ends > time.monotonic() + 4
    engine.stop_recording()
    assert engine.mode is Mode.IDLE
    assert engine.count_in_ends == engine.take_ends == 0.0
