"""The gamepad live source (mapper/sources/gamepad.py): its helper process's protocol, read from
real subprocesses. This machine has no gamepad: the event path is tested with a stand-in child
that prints fabricated lines (tests/gamepad_fake_child.py); the real helper (pygame, SDL's dummy
drivers) is run only to see that it says "no gamepad connected", and that a missing pygame
names the extra.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest

from mapper.errors import SourceError
from mapper.sources.gamepad import MAX_LINE, MISSING, GamepadSource, parse_line, read_lines
from mapper.sources.live import open_live_source
from tests.offers import Offers

FAKE = str(Path(__file__).with_name("gamepad_fake_child.py"))


def fake(mode: str, offers: Offers, start_timeout: float = 10.0) -> GamepadSource:
    return GamepadSource(offers, [sys.executable, FAKE, mode], start_timeout=start_timeout)


def test_a_helper_s_events_arrive_in_order_and_bad_lines_are_skipped() -> None:
    offers = Offers()
    source = fake("events", offers)
    try:
        assert source.describe() == "gamepad 'Fake Pad (test)'"
        got = offers.wait_for(5)
        time.sleep(0.1)
    finally:
        source.close()
    assert got == [
        ("/gamepad/axis/0", "f", (-0.25,)),
        ("/gamepad/button/3", "f", (1.0,)),
        ("/gamepad/hat/0", "ff", (1.0, -1.0)),
        ("/gamepad/axis/1", "f", (1.0,)),
        ("/gamepad/button/3", "f", (0.0,)),
    ]
    assert source.skipped == 3  # the garbage, the overlong line, the NaN
    assert offers.threads == {"mapper-gamepad"}


def test_close_is_fast_reaps_the_helper_and_leaves_no_thread() -> None:
    offers = Offers()
    source = fake("events", offers)
    offers.wait_for(5)
    start = time.monotonic()
    source.close()
    took = time.monotonic() - start
    print(f"gamepad close took {took * 1000:.1f} ms")
    assert took < 1.0
    assert source._process.poll() is not None
    assert not source._thread.is_alive()


def test_a_helper_that_ignores_its_stdin_and_sigterm_is_killed_within_a_second() -> None:
    source = fake("stubborn", Offers())
    start = time.monotonic()
    source.close()
    took = time.monotonic() - start
    print(f"gamepad close (stubborn helper) took {took * 1000:.1f} ms")
    assert took < 1.0
    assert source._process.poll() is not None


def test_the_parent_survives_the_helper_dying(caplog: pytest.LogCaptureFixture) -> None:
    offers = Offers()
    with caplog.at_level(logging.WARNING, logger="mapper.sources"):
        source = fake("die", offers)
        assert offers.wait_for(1) == [("/gamepad/axis/0", "f", (0.5,))]
        source._thread.join(3.0)
    stopped = [r.getMessage() for r in caplog.records if "stopped" in r.getMessage()]
    assert stopped == [
        "gamepad: the gamepad reader stopped (exit code 3); the gamepad is no longer read"
    ]
    assert source.describe() == "gamepad 'Fake Pad (test)' (its reader stopped)"
    start = time.monotonic()
    source.close()
    assert time.monotonic() - start < 1.0


def test_an_error_before_ready_is_the_one_line_message() -> None:
    with pytest.raises(SourceError, match=r"^no gamepad connected: plug one in and start again$"):
        fake("error", Offers())


def test_a_helper_that_never_starts_times_out() -> None:
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"did not start within 0\.5 s"):
        fake("silent", Offers(), start_timeout=0.5)
    assert time.monotonic() - start < 2.0


def test_the_real_helper_says_no_gamepad_is_connected() -> None:
    if find_spec("pygame") is None:
        pytest.skip("pygame is not installed (the gamepad extra)")
    with pytest.raises(SourceError) as caught:
        open_live_source("gamepad", None, Offers())
    assert str(caught.value) == "no gamepad connected: plug one in and start again"


def test_the_real_helper_without_pygame_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pygame.py").write_text("raise ImportError(\"No module named 'pygame'\")\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the helper imports this pygame first
    with pytest.raises(SourceError) as caught:
        open_live_source("gamepad", None, Offers())
    assert str(caught.value) == MISSING
    assert "pip install 'gesture-mapper[gamepad]'" in MISSING


def test_lines_parse_into_offers() -> None:
    assert parse_line("axis 5 -0.5\n") == ("/gamepad/axis/5", "f", (-0.5,))
    assert parse_line("axis 5 -3") == ("/gamepad/axis/5", "f", (-1.0,))
    assert parse_line("button 0 1") == ("/gamepad/button/0", "f", (1.0,))
    assert parse_line("hat 1 -1 0") == ("/gamepad/hat/1", "ff", (-1.0, 0.0))
    assert parse_line("ready 0 Pad") == ("ready", "0 Pad")
    for bad in ("axis -1 0.5", "axis 99999 0", "axis 1 inf", "button 1 2", "hat 0 1", "", "axis"):
        assert parse_line(bad) is None, bad


def test_reading_lines_is_bounded() -> None:
    long = b"y" * (MAX_LINE * 50)
    stream = io.BytesIO(b"axis 0 1\n" + long + b"\nbutton 1 1\nlast")
    assert list(read_lines(stream)) == ["axis 0 1\n", None, "button 1 1\n", "last"]


def test_an_index_of_other_digits_than_ascii_is_not_an_event():
    for line in ("axis ² 0.5", "button ١ 1", "hat ³ 0 1"):  # str.isdigit() takes them
        assert parse_line(line) is None
    assert parse_line("axis 2 0.5") == ("/gamepad/axis/2", "f", (0.5,))
