"""ChucK (`chuck --silent`, no sound card) running the shipped FM synth against `mapper headless`.
The synth subscribes to "/wek/outputs, fff" as Wekinator's ChucK examples do: only a message
with three float arguments reaches it. Skipped when ChucK is not installed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pythonosc.udp_client import SimpleUDPClient

from .peers import EXAMPLES, Peer, Peers, free_udp_port, need, running_peers

FM_SYNTH = EXAMPLES / "instruments" / "fm-synth.ck"


@pytest.fixture
def peers() -> Iterator[Peers]:
    need("chuck", "chuck")
    yield from running_peers()


def start_chuck(peers: Peers) -> tuple[Peer, int]:
    port = free_udp_port()
    chuck = peers.start("chuck", "--silent", f"{FM_SYNTH}:{port}")
    chuck.wait_for(f"listening on port {port}")
    return chuck, port


def played(chuck: Peer, timeout: float = 10.0) -> list[float]:
    """The three values of the next message the synth received and played."""
    line = chuck.wait_for(lambda s: s.startswith("wek-outputs:"), timeout)
    return [float(v) for v in line.split(":", 1)[1].split()]


def test_chuck_synth_plays_what_mapper_sends(peers):
    chuck, chuck_port = start_chuck(peers)
    mapper, port = peers.mapper("--inputs", "2", "--outputs", "3", send_port=chuck_port)
    osc = SimpleUDPClient("127.0.0.1", port)
    control = "/wekinator/control/"
    poses = {(0.1, 0.1): [0.15, 0.3, 0.1], (0.9, 0.9): [0.9, 0.6, 0.9]}
    for (x, y), sound in poses.items():
        osc.send_message(control + "outputs", sound)
        assert played(chuck) == pytest.approx(sound, abs=1e-6)  # auditioned at once
        osc.send_message(control + "startRecording", [])
        for k in range(10):
            osc.send_message("/wek/inputs", [x + 0.005 * k, y])
        osc.send_message(control + "stopRecording", [])
    osc.send_message(control + "train", [])
    mapper.wait_for("trained 3/3", timeout=30)
    osc.send_message(control + "startRunning", [])
    for (x, y), sound in poses.items():
        osc.send_message("/wek/inputs", [x + 0.01, y - 0.01])
        assert played(chuck) == pytest.approx(sound, abs=0.05)
    assert mapper.stop() == 0, mapper.said


def test_chuck_synth_hears_only_three_floats(peers):
    """A 2-output mapping does not match "fff" and is not delivered; a 3-output one is."""
    chuck, chuck_port = start_chuck(peers)
    _, two = peers.mapper("--inputs", "1", "--outputs", "2", send_port=chuck_port)
    _, three = peers.mapper("--inputs", "1", "--outputs", "3", send_port=chuck_port)
    SimpleUDPClient("127.0.0.1", two).send_message("/wekinator/control/outputs", [0.4, 0.6])
    time.sleep(0.5)  # it has long arrived (loopback) before the next one is sent
    SimpleUDPClient("127.0.0.1", three).send_message("/wekinator/control/outputs", [0.3, 0.2, 0.1])
    assert played(chuck) == pytest.approx([0.3, 0.2, 0.1], abs=1e-6)
    chuck.stop()
    heard = [line for line in chuck.lines if line.startswith("wek-outputs:")]
    assert len(heard) == 1, chuck.said  # the two-float message never reached the synth
