"""Live audio on a real audio server: JACK's dummy backend (tests/jack_server.py), which keeps
time like a sound card without one. Each sound gesture-mapper makes opens a real PortAudio
stream on it, and what its callback plays is captured from inside the callback: the built-in
synth (its pitch follows the pitch output), the drum synth (a hit is heard), a neural model
(its pitch follows latent-1), and the demos as the terminal UI opens them. Skipped, saying
why, where jackd, PortAudio or sounddevice are missing.

JACK runs at 48 kHz only: the synth (44.1 kHz), the drums (44.1 kHz) and the toy model
(16 kHz) are resampled on the way (mapper.generators.speakers.Resampler), as they would be on
any device that refuses their rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mapper.cli.main import build_tui_parser
from mapper.cli.parse import tui_options
from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.generators.rhythm.sinks.audio import AudioRhythmSink
from mapper.generators.synth import OutputSynth
from mapper.session.factory import open_instrument
from mapper.session.opening import find_project
from mapper.session.options import InstrumentOptions, NetworkOptions
from mapper.session.sound import demo_sound

from .audio_checks import pitch_hz, rms
from .jack_server import JackServer, jack_output_device, jack_server  # noqa: F401

JACK_RATE = 48000


@pytest.fixture
def speakers(jack_server: JackServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:  # noqa: F811
    """The JACK server's output is the default output device for this test."""
    import sounddevice as sd

    device = jack_output_device()
    monkeypatch.setattr(sd.default, "device", (sd.default.device[0], device))
    yield device


class Capture:
    """Blocks a function returns, kept as they are made (on PortAudio's callback thread)."""

    def __init__(self, make: Callable[..., np.ndarray]) -> None:
        self.make = make
        self.blocks: list[np.ndarray] = []

    def __call__(self, *args: Any) -> np.ndarray:
        block = self.make(*args)
        self.blocks.append(np.array(block, copy=True))
        return block

    def take(self) -> np.ndarray:
        blocks, self.blocks = self.blocks, []
        return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)

    def wait_for(self, frames: int, timeout: float = 5.0) -> np.ndarray:
        deadline = time.monotonic() + timeout
        while sum(len(b) for b in self.blocks) < frames:
            assert time.monotonic() < deadline, "the audio callback stopped calling"
            time.sleep(0.02)
        return self.take()


def test_the_built_in_synth_plays_the_pitch_output_on_a_real_stream(speakers: int):
    engine = Engine(
        ["x", "y"],
        [Output("pitch"), Output("brightness"), Output("voice", kind="classifier", classes=3)],
    )
    synth = OutputSynth(lambda: engine)
    capture = synth.render = Capture(synth.render)  # type: ignore[method-assign,assignment]
    try:
        synth.open()
        assert synth.speakers is not None and synth.speakers.active
        assert synth.speakers.device_rate == JACK_RATE  # JACK's rate: resampled on the way
        heard = {}
        for pitch, hz in ((0.0, 220.0), (0.5, 440.0), (1.0, 880.0)):
            engine.set_values([pitch, 0.5, 2.0])
            capture.wait_for(2048)  # the blocks that move there
            audio = capture.wait_for(synth.rate // 4)
            assert rms(audio) > 0.05, "the stream plays silence"
            heard[hz] = pitch_hz(audio, synth.rate)
        for hz, got in heard.items():
            assert got == pytest.approx(hz, rel=0.02)
    finally:
        synth.close()


def test_the_drum_synth_plays_a_hit_on_a_real_stream(speakers: int):
    sink = AudioRhythmSink.open()
    capture = sink.mixer.block = Capture(sink.mixer.block)  # type: ignore[method-assign,assignment]
    try:
        assert sink.stream.active and sink.stream.device_rate == JACK_RATE
        assert rms(capture.wait_for(4096)) == 0.0  # nothing hit yet: silence
        sink.hits(0, [(0, 127)])  # the kick, full velocity
        assert rms(capture.wait_for(8192)) > 0.05
    finally:
        sink.close()


def test_a_neural_model_plays_on_a_real_stream_and_its_pitch_follows_latent_1(
    speakers: int, tmp_path: Path
):
    from mapper.generators.neural.player import open_neural_player
    from mapper.generators.neural.toy import write_toy

    model = write_toy(tmp_path / "toy.ts", latent_size=2)
    player = None
    try:
        player = open_neural_player(
            {"type": "torchscript", "path": str(model)}, _engine(), None, "cpu"
        )
        engine = player.source._engine
        capture = Capture(lambda chunk: chunk)
        player.streamer.taps.append(type("Tap", (), {"feed": staticmethod(capture)})())
        player.play_to_speakers()
        player.start()
        assert player.sinks[0] == "speakers"
        heard = {}
        for z in (0.0, 1.0):
            engine.set_values([z, 0.0])
            capture.wait_for(16000 // 2)  # the blocks decoded ahead, then the new point
            audio = capture.wait_for(16000 // 2)
            assert rms(audio) > 0.1
            heard[z] = pitch_hz(audio, 16000)
        assert heard[0.0] == pytest.approx(220.0, rel=0.02)
        assert heard[1.0] == pytest.approx(440.0, rel=0.02)
    finally:
        if player is not None:
            player.close()


def _engine() -> Engine:
    from mapper.generators.base import LatentDim
    from mapper.generators.latent import latent_outputs

    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2)]
    return Engine(["x", "y"], latent_outputs(dims))


def demo(*argv: str) -> InstrumentOptions:
    """The options `mapper [ARGV]` opens a demo with (tui.main): no --audio, no --no-audio."""
    args = build_tui_parser().parse_args(
        [*argv, "--listen", "127.0.0.1:0", "--send", "127.0.0.1:9"]
    )
    return demo_sound(tui_options(args))


def test_the_demo_plays_its_outputs_on_the_speakers_by_default(speakers: int):
    options = demo()
    instrument = open_instrument(options, find_project(options), strict=False)
    session = instrument.session
    try:
        assert not [w for w in instrument.warnings if w.startswith("no sound")]
        assert any(n.startswith("the built-in synth on the speakers") for n in instrument.news)
        synth = session.routing.synth
        assert synth is not None and synth.speakers is not None and synth.speakers.active
        capture = synth.render = Capture(synth.render)  # type: ignore[method-assign,assignment]
        session.engine.set_values([1.0, 0.5, 1.0])
        capture.wait_for(2048)
        assert pitch_hz(capture.wait_for(synth.rate // 4), synth.rate) == pytest.approx(
            880.0, rel=0.02
        )
    finally:
        session.close()
    assert session.routing.synth is None  # closed with the session: the stream is gone


def test_the_drums_demo_plays_on_the_speakers_by_default(speakers: int):
    options = demo("--generator", "rhythm")
    instrument = open_instrument(options, find_project(options), strict=False)
    session = instrument.session
    try:
        assert any("built-in drum synth" in n for n in instrument.news), instrument.news
        assert not instrument.problems
    finally:
        session.close()


def plays_the_top_of_the_pitch(synth: Any, engine: Engine) -> bool:
    """The synth, its pitch output set to the top (1.0), plays 880 Hz on the real stream."""
    capture = synth.render = Capture(synth.render)
    engine.set_values([1.0])
    capture.wait_for(2048)
    heard = pitch_hz(capture.wait_for(synth.rate // 4), synth.rate)
    return bool(heard == pytest.approx(880.0, rel=0.02))


def folder_options(folder: Path, audio: bool) -> InstrumentOptions:
    """`mapper headless FOLDER --inputs 2 --outputs 1 [--audio]`, on a free port."""
    from mapper.session.options import NewProjectOptions, PlayOptions

    return InstrumentOptions(
        folder=folder,
        new=NewProjectOptions(inputs=2, outputs=1),
        network=NetworkOptions(("127.0.0.1", 0), ("127.0.0.1", 9)),
        play=PlayOptions(audio=audio),
    )


def test_audio_on_a_project_plays_its_outputs_and_the_next_projects(speakers: int, tmp_path):

    def project(name: str, audio: bool) -> InstrumentOptions:
        return folder_options(tmp_path / name, audio)

    other = open_instrument(project("other", False), find_project(project("other", False)))
    other.session.close()  # its folder is written: a project to open later
    options = project("mine", True)  # `mapper headless mine --inputs 2 --outputs 1 --audio`
    instrument = open_instrument(options, find_project(options))
    session = instrument.session
    try:
        synth = session.routing.synth
        assert synth is not None and synth.speakers is not None and synth.speakers.active
        assert any(
            n.startswith("the built-in synth on the speakers: pitch <-") for n in instrument.news
        )
        session.open_project(tmp_path / "other")  # as OSC's load does
        assert session.routing.synth is synth and synth.speakers.active  # it plays on
        assert plays_the_top_of_the_pitch(synth, session.engine)  # the new project's output
    finally:
        session.close()
    assert session.routing.synth is None


def test_the_synth_plays_again_after_a_project_with_a_generator(speakers: int, tmp_path):
    """--audio on a plain project, then (OSC's load) a drums project takes the speakers, then
    a plain project again: the built-in synth plays that one's outputs."""
    from mapper.core.examples import ExampleStore
    from mapper.generators.presets import generator_preset
    from mapper.osc.settings import OSCSettings
    from mapper.project import Project, save_project

    def project(name: str, audio: bool) -> InstrumentOptions:
        return folder_options(tmp_path / name, audio)

    other = open_instrument(project("other", False), find_project(project("other", False)))
    other.session.close()  # a plain project to open last
    preset = generator_preset("rhythm")
    drums = Project(
        "drums",
        ["x", "y"],
        preset.outputs,
        OSCSettings(listen_port=0, send_port=9),
        generator={"type": "rhythm"},
    )
    save_project(tmp_path / "drums", drums, ExampleStore(2, len(preset.outputs)).snapshot())
    options = project("mine", True)  # `mapper headless mine --inputs 2 --outputs 1 --audio`
    instrument = open_instrument(options, find_project(options))
    session = instrument.session
    try:
        first = session.routing.synth
        assert first is not None
        playing = first.speakers
        assert playing is not None and playing.active
        session.open_project(tmp_path / "drums")  # as OSC's load does
        during_drums = session.routing.synth
        assert during_drums is None and first.speakers is None  # the drums have the speakers
        assert any("built-in drum synth" in n for n in session.routing.take_news())
        session.open_project(tmp_path / "other")
        synth = session.routing.synth
        assert synth is not None and synth.speakers is not None and synth.speakers.active
        news = session.routing.take_news()
        assert news and news[0].startswith("the built-in synth on the speakers: pitch <-")
        assert plays_the_top_of_the_pitch(synth, session.engine)  # the plain project's
    finally:
        session.close()
    assert session.routing.synth is None
