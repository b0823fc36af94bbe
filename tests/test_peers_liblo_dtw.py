"""A Wekinator DTW user's tools, unchanged: liblo's `oscsend` records and performs gestures,
`oscdump` is the instrument that hears the costs and the match messages."""

from __future__ import annotations

import math
import signal

from .test_peers_liblo import Dump, floats, oscsend, peers  # noqa: F401 (a fixture)

STEPS = 16


def up(port: int, after: int = 0) -> None:
    """Up the y axis; then the last frame `after` times more (a sensor goes on sending)."""
    for k in [*range(STEPS), *[STEPS - 1] * after]:
        oscsend(port, "/wek/inputs", "ff", 0.1, k / STEPS)


def around(port: int, after: int = 0) -> None:
    for k in [*range(STEPS), *[STEPS - 1] * after]:
        a = 2 * math.pi * k / STEPS
        oscsend(port, "/wek/inputs", "ff", 0.5 + 0.4 * math.cos(a), 0.5 + 0.4 * math.sin(a))


def test_oscsend_teaches_two_gestures_and_oscdump_hears_which_one_was_played(peers):  # noqa: F811
    dump = Dump(peers)
    mapper, port = peers.mapper(
        "--inputs", "2", "--type", "dtw", "--gestures", "2", send_port=dump.port
    )
    for gesture, perform in ((1, up), (2, around)):
        oscsend(port, "/wekinator/control/startDtwRecording", "i", gesture)
        perform(port)
        oscsend(port, "/wekinator/control/stopDtwRecording")
    mapper.wait_for("gesture takes 2")
    oscsend(port, "/wekinator/control/startRunning")
    around(port, after=1)  # a match is said once the cost stops falling: the gesture ended
    assert dump.get("/output_2") == ("", [])  # Wekinator's match message, no arguments
    tags, args = dump.get("/wek/outputs")
    assert tags == "ff" and floats(args)[1] < floats(args)[0]  # a cost per gesture, lower closer
    up(port, after=1)
    assert dump.get("/output_1") == ("", [])
    assert mapper.stop(signal.SIGINT) == 0, mapper.said
