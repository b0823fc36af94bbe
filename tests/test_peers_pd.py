"""Pure Data (vanilla, `-nogui`) against `mapper headless`, running the shipped example patches:
the FM synth and drum kit instruments and the XY sliders sender. Pd's own OSC objects ([oscparse],
[oscformat], [netsend]) are the peer. Skipped when Pure Data is not installed.

The shipped patches use Wekinator's ports (12000 in, 6448 out); each test runs a copy in which
only those two port numbers are changed to free ones, so nothing else on this machine is hit.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pythonosc.udp_client import SimpleUDPClient

from mapper.generators.rhythm.generator import RhythmGenerator

from .conftest import Receiver
from .peers import EXAMPLES, Peer, Peers, free_udp_port, need, running_peers

FM_SYNTH = EXAMPLES / "instruments" / "fm-synth.pd"
DRUM_KIT = EXAMPLES / "instruments" / "drum-kit.pd"
XY_SLIDERS = EXAMPLES / "senders" / "xy-sliders.pd"


@pytest.fixture
def peers() -> Iterator[Peers]:
    need("pd", "puredata-core")
    yield from running_peers()


def patch_copy(patch: Path, folder: Path, replace: dict[str, str]) -> Path:
    """The patch with each text in `replace` (which must occur exactly once) replaced."""
    text = patch.read_text()
    for old, new in replace.items():
        assert text.count(old) == 1, f"{patch.name} should hold {old!r} exactly once"
        text = text.replace(old, new)
    copy = folder / patch.name
    copy.write_text(text)
    return copy


def start_pd(peers: Peers, patch: Path, *send: str) -> Peer:
    """Pd without GUI, audio or MIDI; its console (every [print]) comes out on stderr."""
    args = ["pd", "-nogui", "-noaudio", "-nomidi", "-stderr", "-noprefs"]
    for message in send:
        args += ["-send", message]
    return peers.start(*args, str(patch))


def printed(pd: Peer, name: str = "wek-outputs", timeout: float = 10.0) -> list[float]:
    """The numbers of the next `name: ...` line from a [print name] in the patch."""
    line = pd.wait_for(lambda s: s.startswith(f"{name}: "), timeout)
    return [float(v) for v in line.split(":", 1)[1].split()]


def test_fm_synth_prints_the_outputs_and_teaches_mapper_its_own_sound(peers, tmp_path):
    pd_port = free_udp_port()
    project = tmp_path / "fm"
    mapper, port = peers.mapper(str(project), "--inputs", "2", "--outputs", "3", send_port=pd_port)
    patch = patch_copy(
        FM_SYNTH,
        tmp_path,
        {
            "listen 12000 127.0.0.1": f"listen {pd_port} 127.0.0.1",
            "connect 127.0.0.1 6448": f"connect 127.0.0.1 {port}",
        },
    )
    # the synth starts with a sound set by hand and sends it to the mapper as the target
    pd = start_pd(peers, patch, "fm-sound 0.2 0.5 0.8")
    assert printed(pd, "to-mapper") == pytest.approx([0.2, 0.5, 0.8])
    # the mapper took it, and answers with /wek/outputs at once (auditioning): Pd prints it
    assert printed(pd, "wek-outputs") == pytest.approx([0.2, 0.5, 0.8], abs=1e-6)

    sensor = SimpleUDPClient("127.0.0.1", port)
    control = "/wekinator/control/"
    sensor.send_message(control + "startRecording", [])
    for k in range(10):
        sensor.send_message("/wek/inputs", [0.1 + 0.01 * k, 0.1])
    sensor.send_message(control + "stopRecording", [])
    sensor.send_message(control + "outputs", [0.9, 0.1, 0.3])  # another sound, another pose
    assert printed(pd, "wek-outputs") == pytest.approx([0.9, 0.1, 0.3], abs=1e-6)
    sensor.send_message(control + "startRecording", [])
    for k in range(10):
        sensor.send_message("/wek/inputs", [0.9 - 0.01 * k, 0.9])
    sensor.send_message(control + "stopRecording", [])
    sensor.send_message(control + "train", [])
    mapper.wait_for("trained 3/3", timeout=30)

    sensor.send_message(control + "startRunning", [])
    sensor.send_message("/wek/inputs", [0.12, 0.1])
    assert printed(pd, "wek-outputs") == pytest.approx([0.2, 0.5, 0.8], abs=0.05)
    sensor.send_message("/wek/inputs", [0.88, 0.9])
    assert printed(pd, "wek-outputs") == pytest.approx([0.9, 0.1, 0.3], abs=0.05)

    assert mapper.stop() == 0, mapper.said
    pd.stop()
    with open(project / "examples.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    first_round = [r for r in rows if r["round"] == "1"]
    assert len(first_round) == 10
    for row in first_round:  # Pd's float32 values, recorded as the targets of that round
        got = [float(row[f"outputs-{j}"]) for j in (1, 2, 3)]
        assert got == pytest.approx([0.2, 0.5, 0.8], abs=1e-6)


def test_xy_sliders_stream_to_mapper_as_two_floats(peers, tmp_path):
    receiver = Receiver()
    try:
        patch = patch_copy(
            XY_SLIDERS, tmp_path, {"connect 127.0.0.1 6448": f"connect 127.0.0.1 {receiver.port}"}
        )
        pd = start_pd(peers, patch, "pad-xy 0.3 0.7")
        assert printed(pd, "pad-xy") == pytest.approx([0.3, 0.7])
        seen = [receiver.get_address("/wek/inputs", timeout=10) for _ in range(60)]
    finally:
        receiver.close()
    assert {tags for _, tags, _ in seen} == {"ff"}  # Wekinator's type tags: floats only
    assert seen[-1][2] == pytest.approx((0.3, 0.7))


def test_xy_sliders_record_into_a_mapper_project(peers, tmp_path):
    project = tmp_path / "from-pd"
    mapper, port = peers.mapper(
        str(project), "--inputs", "2", "--outputs", "1", send_port=free_udp_port()
    )
    patch = patch_copy(
        XY_SLIDERS, tmp_path, {"connect 127.0.0.1 6448": f"connect 127.0.0.1 {port}"}
    )
    pd = start_pd(peers, patch, "pad-xy 0.25 0.75")
    printed(pd, "pad-xy")
    control = SimpleUDPClient("127.0.0.1", port)
    mapper.wait_for(streaming)  # the status line shows Pd's stream arriving (about 50/s)
    control.send_message("/wekinator/control/startRecording", [])
    mapper.wait_for(lambda s: "recording" in s and "examples 0 " not in s)
    control.send_message("/wekinator/control/stopRecording", [])
    pd.stop()
    assert mapper.stop(signal.SIGINT) == 0, mapper.said
    with open(project / "examples.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, "nothing was recorded from Pd's stream"
    for row in rows:
        assert (float(row["inputs-1"]), float(row["inputs-2"])) == pytest.approx((0.25, 0.75))


def streaming(status: str) -> bool:
    """A status line saying at least 20 input frames a second arrive."""
    match = re.search(r"\bin (\d+)/s", status)
    return match is not None and int(match.group(1)) >= 20


def test_pd_sliders_play_the_pd_synth_through_the_xy_synth_project(peers, tmp_path):
    """The shipped pieces together, as the README starts them: sender -> project -> synth."""
    project = Path(shutil.copytree(EXAMPLES / "projects" / "xy-synth", tmp_path / "xy-synth"))
    synth_port = free_udp_port()
    mapper, port = peers.mapper(str(project), "--run", send_port=synth_port)
    synth_dir, sender_dir = tmp_path / "synth", tmp_path / "sender"
    synth_dir.mkdir()
    sender_dir.mkdir()
    synth = start_pd(
        peers,
        patch_copy(
            FM_SYNTH,
            synth_dir,
            {
                "listen 12000 127.0.0.1": f"listen {synth_port} 127.0.0.1",
                "connect 127.0.0.1 6448": f"connect 127.0.0.1 {port}",
            },
        ),
    )
    mapper.wait_for("running", timeout=30)
    sender = patch_copy(
        XY_SLIDERS, sender_dir, {"connect 127.0.0.1 6448": f"connect 127.0.0.1 {port}"}
    )
    start_pd(peers, sender, "pad-xy 0.9 0.9")  # the top right corner: high and bright
    for _ in range(200):  # the frames sent before the sliders were set play another sound
        if printed(synth) == pytest.approx([0.9, 0.6, 0.9], abs=0.05):
            break
    else:
        pytest.fail(f"the synth never played the top right corner: {synth.said}")
    assert mapper.stop() == 0, mapper.said


def test_xy_drums_project_plays_the_pd_drum_kit(peers, tmp_path):
    """The drum model steered by the xy-drums project: Pd receives and prints its hits."""
    project = Path(shutil.copytree(EXAMPLES / "projects" / "xy-drums", tmp_path / "xy-drums"))
    kit_port = free_udp_port()
    kit = start_pd(
        peers,
        patch_copy(DRUM_KIT, tmp_path, {"listen 12000 127.0.0.1": f"listen {kit_port} 127.0.0.1"}),
    )
    mapper, _ = peers.mapper(str(project), "--run", send_port=kit_port)
    mapper.wait_for("rhythm at 100 BPM", timeout=30)  # the project's generator and tempo
    hits = [printed(kit, "drum-hit", timeout=15) for _ in range(24)]
    # no gesture arrives, so the drums play the pattern at the project's saved latent point
    values = json.loads((project / "project.json").read_text())["values"]
    model = RhythmGenerator(device="cpu")
    playable = {
        (voice + 1, int(velocity))
        for latent in (np.array(values), np.array(values, dtype=np.float32))
        for voice, row in enumerate(model.decode(latent.astype(np.float64)))
        for velocity in row
        if velocity
    }
    for hit in hits:  # /mapper/rhythm/hit i i: a voice 1..9 and its velocity 1..127
        assert len(hit) == 2 and (int(hit[0]), int(hit[1])) in playable, (hit, sorted(playable))
    assert len({v for v, _ in hits}) >= 2, hits  # more than one drum, bar after bar
    assert mapper.stop() == 0, mapper.said
