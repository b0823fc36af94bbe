"""SuperCollider's language (sclang, without a display) running the shipped FM synth against
`mapper headless`. Only the OSC side is tested: the audio server need not start. Skipped when
sclang is not installed (Debian's supercollider-language is large; .ci/run does not install it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pythonosc.udp_client import SimpleUDPClient

from .peers import EXAMPLES, Peer, Peers, free_udp_port, need, running_peers

FM_SYNTH = EXAMPLES / "instruments" / "fm-synth.scd"


@pytest.fixture
def peers() -> Iterator[Peers]:
    need("sclang", "supercollider-language", in_ci=False)
    yield from running_peers()


def start_sclang(peers: Peers, port: int) -> Peer:
    env = {"QT_QPA_PLATFORM": "offscreen"}  # no display needed
    if os.geteuid() == 0:  # Qt's web engine refuses to run as root with its sandbox
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox"
    args = [f"{k}={v}" for k, v in env.items()]
    sclang = peers.start("env", *args, "sclang", str(FM_SYNTH), str(port))
    sclang.wait_for(f"fm-synth: listening on port {port}", timeout=60)
    return sclang


def played(sclang: Peer) -> list[float]:
    line = sclang.wait_for(lambda s: s.startswith("wek-outputs:"), timeout=10)
    return [float(v) for v in line.split(":", 1)[1].split()]


def test_sclang_synth_plays_three_outputs_and_ignores_two(peers):
    sc_port = free_udp_port()
    sclang = start_sclang(peers, sc_port)
    _, two = peers.mapper("--inputs", "1", "--outputs", "2", send_port=sc_port)
    _, three = peers.mapper("--inputs", "1", "--outputs", "3", send_port=sc_port)
    SimpleUDPClient("127.0.0.1", two).send_message("/wekinator/control/outputs", [0.4, 0.6])
    sclang.wait_for("ignored /wek/outputs with 2 values")
    SimpleUDPClient("127.0.0.1", three).send_message("/wekinator/control/outputs", [0.3, 0.2, 0.1])
    assert played(sclang) == pytest.approx([0.3, 0.2, 0.1], abs=1e-6)
