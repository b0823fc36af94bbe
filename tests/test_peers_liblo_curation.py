"""Novelty and bookmarks from liblo's `oscsend` (names as OSC strings, numbers as ints), heard
by `oscdump` as a Max or Pd patch would hear them."""

from __future__ import annotations

import signal

import pytest

from .test_peers_liblo import Dump, floats, oscsend, peers  # noqa: F401 (a fixture)


def test_oscsend_keeps_and_recalls_bookmarks_and_hears_the_novelty(peers):  # noqa: F811
    dump = Dump(peers)
    mapper, port = peers.mapper("--inputs", "2", "--outputs", "2", send_port=dump.port)
    oscsend(port, "/wekinator/control/outputs", "ff", 0.2, 0.8)
    dump.get("/wek/outputs")
    oscsend(port, "/mapper/control/bookmark", "s", "soft pad")
    tags, args = dump.get("/mapper/bookmark")
    assert tags == "isff" and args[0] == "1" and "soft pad" in " ".join(args)
    oscsend(port, "/wekinator/control/outputs", "ff", 0.9, 0.1)
    dump.get("/wek/outputs")
    oscsend(port, "/mapper/control/recall", "i", 1)
    tags, args = dump.get("/wek/outputs")
    assert floats(args) == pytest.approx([0.2, 0.8], abs=1e-6)
    oscsend(port, "/wekinator/control/startRecording")
    for k in range(10):
        oscsend(port, "/wek/inputs", "ff", 0.5 + k / 1000, 0.5)
    oscsend(port, "/wekinator/control/stopRecording")
    oscsend(port, "/wekinator/control/train")
    dump.get("/wekinator/status/done-training")
    oscsend(port, "/mapper/control/enableNovelty")
    oscsend(port, "/wekinator/control/startRunning")
    mapper.wait_for("running")
    oscsend(port, "/wek/inputs", "ff", 5.0, 5.0)
    tags, args = dump.get("/mapper/novelty")
    assert tags == "f" and floats(args)[0] > 10  # far beyond a pose held still
    assert mapper.stop(signal.SIGINT) == 0, mapper.said
