"""The built-in synth: which outputs drive it, how it sounds (pitch, brightness, voice, no
clicks), that its audio callback never waits on the engine, and what a run without a sound
device says (one line, how to hear it) while the instrument plays on.

The same synth on a real audio server (JACK's dummy backend): test_audio_jack.py.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np
import pytest

from mapper.cli.main import build_tui_parser
from mapper.cli.parse import tui_options
from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.generators.speakers import Resampler, no_speakers
from mapper.generators.synth import OutputSynth, Sound, SynthMapping, Voice
from mapper.generators.synth.voice import LEVEL
from mapper.session.factory import open_instrument
from mapper.session.opening import find_project
from mapper.session.options import PlayOptions
from mapper.session.sound import demo_sound

from .audio_checks import pitch_hz, rms, spectral_centroid

RATE = 44100
BLOCK = 256


def demo_outputs() -> list[Output]:
    return [
        Output("pitch"),
        Output("brightness"),
        Output("voice", kind="classifier", classes=3),
    ]


def play(voice: Voice, sound: Sound, seconds: float) -> np.ndarray:
    return np.concatenate([voice.render(BLOCK, sound) for _ in range(int(seconds * RATE / BLOCK))])


def test_outputs_named_pitch_brightness_voice_drive_those_whatever_their_order():
    outputs = [Output("voice", kind="classifier", classes=3), Output("brightness"), Output("pitch")]
    m = SynthMapping.of(outputs)
    assert (m.pitch, m.brightness, m.voice) == (2, 1, 0)


def test_other_outputs_drive_them_by_position_and_the_rest_stays_put():
    outputs = [Output("a"), Output("pose", kind="classifier", classes=2), Output("b"), Output("c")]
    m = SynthMapping.of(outputs)
    assert (m.pitch, m.brightness, m.voice) == (0, 2, 1)
    alone = SynthMapping.of([Output("level", min=-1.0, max=1.0)])
    assert (alone.pitch, alone.brightness, alone.voice) == (0, None, None)
    assert alone.sound([-1.0]).pitch == pytest.approx(220.0)  # the bottom of its range
    assert alone.sound([1.0]).pitch == pytest.approx(880.0)  # two octaves up
    assert alone.sound([0.0]).brightness == 0.5


def test_the_voice_plays_the_pitch_it_is_given():
    voice = Voice(RATE)
    for hz in (220.0, 330.0, 880.0):
        audio = play(voice, Sound(hz, 0.5, 1), 0.3)
        assert pitch_hz(audio[BLOCK:], RATE) == pytest.approx(hz, rel=0.01)
        assert rms(audio) > 0.05


def test_brightness_lifts_the_upper_harmonics_and_the_voice_changes_the_timbre():
    voice = Voice(RATE)
    dark = spectral_centroid(play(voice, Sound(220.0, 0.0, 1), 0.3)[BLOCK:], RATE)
    bright = spectral_centroid(play(voice, Sound(220.0, 1.0, 1), 0.3)[BLOCK:], RATE)
    assert bright > 2 * dark
    sine = play(voice, Sound(220.0, 1.0, 0), 0.3)[BLOCK:]
    square = play(voice, Sound(220.0, 1.0, 2), 0.3)[BLOCK:]
    assert spectral_centroid(square, RATE) > 2 * spectral_centroid(sine, RATE)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Sound(220.0, 0.2, 0), Sound(220.0, 0.2, 1)),  # a new voice (class 2)
        (Sound(220.0, 0.0, 1), Sound(220.0, 1.0, 1)),  # dark to bright
        (Sound(220.0, 0.5, 0), Sound(880.0, 0.5, 0)),  # two octaves up
    ],
)
def test_sudden_changes_are_heard_at_once_without_a_click(before: Sound, after: Sound):
    voice = Voice(RATE)
    old = play(voice, before, 0.1)
    new = np.concatenate([voice.render(BLOCK, after) for _ in range(40)])
    audio = np.concatenate([old, new])
    steady = max(np.max(np.abs(np.diff(old))), np.max(np.abs(np.diff(new[BLOCK:]))))
    at_change = np.max(np.abs(np.diff(audio[len(old) - 2 : len(old) + BLOCK])))
    assert at_change <= steady * 1.1  # no step bigger than the sounds make by themselves
    assert pitch_hz(new[BLOCK:], RATE) == pytest.approx(after.pitch, rel=0.01)  # no glide
    assert np.max(np.abs(audio)) < 3 * LEVEL


def engine_with(outputs: list[Output]) -> Engine:
    return Engine(["x", "y"], outputs)


def test_the_synth_follows_the_outputs_the_engine_sends():
    engine = engine_with(demo_outputs())
    synth = OutputSynth(lambda: engine, RATE)
    engine.set_values([0.0, 0.5, 1.0])
    low = np.concatenate([synth.render(BLOCK) for _ in range(50)])
    engine.set_values([1.0, 0.5, 3.0])
    synth.render(BLOCK)  # the block that moves there
    high = np.concatenate([synth.render(BLOCK) for _ in range(50)])
    assert pitch_hz(low, RATE) == pytest.approx(220.0, rel=0.01)
    assert pitch_hz(high, RATE) == pytest.approx(880.0, rel=0.01)
    assert synth.sound is not None and synth.sound.timbre == 2  # class 3: the square


def test_the_audio_callback_never_waits_on_the_engine_lock():
    engine = engine_with(demo_outputs())
    synth = OutputSynth(lambda: engine, RATE)
    done = threading.Event()
    with engine._lock:  # as training or a control method would hold it

        def callback() -> None:
            synth.render(BLOCK)
            done.set()

        threading.Thread(target=callback, daemon=True).start()
        assert done.wait(2.0), "the audio callback waited for the engine's lock"


def test_the_synth_hears_a_new_range_at_once():
    engine = engine_with(demo_outputs())
    synth = OutputSynth(lambda: engine, RATE)
    engine.set_values([1.0, 0.5, 1.0])
    synth.render(BLOCK)
    assert synth.sound is not None and synth.sound.pitch == pytest.approx(880.0)
    engine.set_limits(0, 0.0, 100.0)  # the TUI's model screen, /mapper/control/setLimits
    engine.set_values([50.0, 0.5, 1.0])  # the middle of the new range
    synth.render(BLOCK)
    assert synth.sound.pitch == pytest.approx(440.0)
    engine.set_limits(1, -1.0, 1.0)  # the brightness output's range too
    engine.set_values([50.0, 0.0, 1.0])
    synth.render(BLOCK)
    assert synth.sound.brightness == pytest.approx(0.5)


def test_an_output_renamed_pitch_drives_the_pitch():
    engine = engine_with([Output("a", min=0.0, max=1.0), Output("b", min=0.0, max=1.0)])
    synth = OutputSynth(lambda: engine, RATE)
    engine.set_values([0.0, 1.0])
    synth.render(BLOCK)
    assert synth.sound is not None and synth.sound.pitch == pytest.approx(220.0)  # a: by position
    engine.set_output_names(["a", "pitch"])
    synth.render(BLOCK)
    assert synth.sound.pitch == pytest.approx(880.0)  # b, by its new name
    assert "pitch <- pitch" in synth.describe()


def test_the_mapping_is_worked_out_once_while_the_outputs_stay_as_they_are():
    engine = engine_with(demo_outputs())
    synth = OutputSynth(lambda: engine, RATE)
    first = synth.mapping
    for v in (0.1, 0.7, 0.3):
        engine.set_values([v, v, 2.0])  # values change every block; the outputs do not
        synth.render(BLOCK)
    assert synth.mapping is first
    engine.set_classes(2, 5)
    assert synth.mapping is not first


class FakeStream:
    """A stream that opens but fails to start or to stop (a device gone, a busy device)."""

    def __init__(self, fail_start: bool = False, fail_stop: bool = False) -> None:
        self.fail_start, self.fail_stop = fail_start, fail_stop
        self.active = False
        self.closed = False

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError("Error starting stream: Device unavailable")
        self.active = True

    def stop(self) -> None:
        if self.fail_stop:
            raise RuntimeError("Error stopping stream: Device unavailable")
        self.active = False

    def close(self) -> None:
        self.closed = True


class FakeStreams:
    """What Speakers open in place of PortAudio's streams: FakeStreams that fail as asked."""

    def __init__(self) -> None:
        self.made: list[FakeStream] = []
        self.fail_start = self.fail_stop = False

    def open(self, sd: object, fill: object, rate: int, channels: int, block: int) -> FakeStream:
        self.made.append(FakeStream(self.fail_start, self.fail_stop))
        return self.made[-1]


@pytest.fixture
def fake_streams(monkeypatch: pytest.MonkeyPatch) -> FakeStreams:
    from mapper.generators import speakers

    streams = FakeStreams()
    monkeypatch.setattr(speakers, "sounddevice", lambda: object())
    monkeypatch.setattr(speakers, "_open", streams.open)
    return streams


def test_a_stream_that_opens_but_will_not_start_is_closed(fake_streams: FakeStreams):
    from mapper.errors import GeneratorError

    fake_streams.fail_start = True
    synth = OutputSynth(lambda: engine_with(demo_outputs()), RATE)
    with pytest.raises(GeneratorError, match="cannot start the audio output"):
        synth.open()
    assert len(fake_streams.made) == 1 and fake_streams.made[0].closed
    assert synth.speakers is None
    synth.close()  # nothing left to close


def test_the_drum_synth_closes_a_stream_that_will_not_start(fake_streams: FakeStreams):
    from mapper.errors import GeneratorError
    from mapper.generators.rhythm.sinks.audio import AudioRhythmSink

    fake_streams.fail_start = True
    with pytest.raises(GeneratorError, match="cannot start the audio output"):
        AudioRhythmSink.open()
    assert len(fake_streams.made) == 1 and fake_streams.made[0].closed


def test_speakers_whose_device_went_away_still_close_their_stream(fake_streams: FakeStreams):
    from mapper.generators.speakers import Speakers

    fake_streams.fail_stop = True
    speakers = Speakers(lambda out, frames: None, RATE, 1, BLOCK)
    speakers.start()
    with pytest.raises(RuntimeError, match="Device unavailable"):
        speakers.close()  # stop fails: the error says so, and the stream is closed anyway
    assert fake_streams.made[0].closed


def test_a_device_that_refuses_the_rate_hears_it_resampled():
    voice = Voice(RATE)

    def fill(out: np.ndarray, frames: int) -> None:
        out[:, 0] = voice.render(frames, Sound(440.0, 0.5, 0))

    resampled = Resampler(fill, RATE, 48000, 1)
    blocks = []
    for _ in range(60):
        out = np.zeros((256, 1), np.float32)
        resampled(out, 256)
        blocks.append(out[:, 0].copy())
    audio = np.concatenate(blocks)
    assert pitch_hz(audio[1024:], 48000) == pytest.approx(440.0, rel=0.01)
    assert np.max(np.abs(np.diff(audio[1024:]))) < 0.1  # continuous across blocks


# ---- no sound device ---------------------------------------------------------------------
@pytest.fixture
def no_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """PortAudio with no output device: this machine's, or one made so where there is one."""
    if no_speakers() is None:
        import sounddevice as sd

        def none(*args: object, **kwargs: object) -> object:
            raise sd.PortAudioError("Error querying device -1")

        monkeypatch.setattr(sd, "query_devices", none)
    assert no_speakers() is not None


def open_demo(*argv: str) -> Any:
    """The built-in demo as the `mapper` command opens it (tui.main), with these options."""
    args = build_tui_parser().parse_args(
        [*argv, "--listen", "127.0.0.1:0", "--send", "127.0.0.1:9"]
    )
    options = demo_sound(tui_options(args))
    return open_instrument(options, find_project(options), strict=False)


@pytest.mark.parametrize(
    ("argv", "audio"),
    [
        ([], True),  # the demo: heard
        (["--generator", "rhythm"], True),  # the drums demo too
        (["--no-audio"], False),
        (["--audio"], True),
        (["my-instrument"], None),  # a project: off unless --audio (its instrument plays it)
    ],
)
def test_the_demos_are_heard_by_default_and_no_audio_says_otherwise(argv, audio):
    assert demo_sound(tui_options(build_tui_parser().parse_args(argv))).play.audio is audio


def test_headless_stays_silent_unless_asked():
    from mapper.cli.main import build_parser
    from mapper.cli.parse import headless_options

    args = build_parser().parse_args(["headless", "--inputs", "2", "--outputs", "1"])
    assert not demo_sound(headless_options(args)).play.audio


def test_the_demo_without_a_sound_device_says_so_in_one_line_and_plays_on(no_device):
    instrument = open_demo()
    session = instrument.session
    try:
        lines = [w for w in instrument.warnings if w.startswith("no sound")]
        assert len(lines) == 1
        for how in ("fm-synth.pd", "fm-synth.ck", "fm-synth.scd", "port 12000"):
            assert how in lines[0]
        assert not instrument.problems
        assert session.routing.synth is None
        session.engine.set_values([0.2, 0.4, 2.0])  # the instrument itself plays on
        assert session.engine.last_outputs == [0.2, 0.4, 2.0]
    finally:
        session.close()


def test_no_audio_stays_silent_without_a_word(no_device):
    instrument = open_demo("--no-audio")
    try:
        assert not [w for w in instrument.warnings if w.startswith("no sound")]
    finally:
        instrument.session.close()


def test_without_the_audio_extra_the_line_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails as if not installed
    instrument = open_demo()
    try:
        lines = [w for w in instrument.warnings if w.startswith("no sound")]
        assert len(lines) == 1 and "gesture-mapper[audio]" in lines[0]
        assert "fm-synth.pd" in lines[0]
    finally:
        instrument.session.close()


def test_audio_alone_is_no_longer_refused_without_a_generator():
    PlayOptions(audio=True).check(None)  # the built-in synth plays the outputs


def test_nothing_touches_portaudio_at_import():
    """sounddevice starts PortAudio when imported (and fails where it is missing): only
    opening the speakers or asking for a device may import it, never importing mapper."""
    import subprocess

    modules = [
        "mapper.generators.speakers",
        "mapper.generators.synth",
        "mapper.generators.rhythm.sinks.audio",
        "mapper.generators.neural.sound_out",
        "mapper.generators.neural.player",
        "mapper.session.sound",
        "mapper.session.factory",
        "mapper.cli.main",
    ]
    code = f"import sys, {', '.join(modules)}; print('sounddevice' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "False"
