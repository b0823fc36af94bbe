"""The MIDI and audio outputs of the sequencer, without a MIDI port or a sound card.

The real back-ends (a virtual MIDI port, an audio device) cannot exist in CI; what is tested
here is everything up to them: the bytes sent on the drum channel, the samples mixed.
"""

from __future__ import annotations

import mido
import numpy as np
import pytest

from mapper.generators.rhythm.sequencer import Sequencer
from mapper.generators.rhythm.sinks.audio import AudioRhythmSink, Mixer
from mapper.generators.rhythm.sinks.midi import MidiRhythmSink
from mapper.generators.rhythm.synth import RATE, make_samples, render_bars
from mapper.generators.rhythm.voices import GM_NOTES

from .conftest import wait_for


def test_midi_hits_are_note_ons_on_channel_10_ended_at_the_next_step():
    sent: list[list[int]] = []
    sink = MidiRhythmSink(sent.append)
    sink.hits(0, [(0, 100), (2, 60)])  # kick, closed hat
    assert sent == [[0x99, 36, 100], [0x99, 42, 60]]
    sent.clear()
    sink.hits(1, [(1, 127)])  # snare: the previous notes end first
    assert sent == [[0x89, 36, 0], [0x89, 42, 0], [0x99, 38, 127]]
    sent.clear()
    sink.close()  # nothing left sounding
    assert sent == [[0x89, 38, 0]]


def test_the_sequencer_drives_midi_with_the_patterns_notes():
    pattern = np.zeros((9, 16), np.uint8)
    pattern[0, ::4] = 110  # four on the floor
    pattern[8, 2] = 70  # one ride
    sent: list[list[int]] = []
    seq = Sequencer(
        lambda z: pattern, lambda: np.zeros(1), bpm=400, sinks=[MidiRhythmSink(sent.append)]
    )
    seq.start()
    wait_for(lambda: sum(m[0] == 0x99 for m in sent) >= 10)
    seq.stop()
    ons = [m for m in sent if m[0] == 0x99]
    assert {m[1] for m in ons} == {GM_NOTES[0], GM_NOTES[8]}
    assert ons[:3] == [[0x99, 36, 110], [0x99, 51, 70], [0x99, 36, 110]]


def test_a_mido_port_gets_mido_messages():
    class Port:
        def __init__(self) -> None:
            self.messages: list = []
            self.closed = False

        def send(self, message) -> None:
            self.messages.append(message)

        def close(self) -> None:
            self.closed = True

    port = Port()
    sink = MidiRhythmSink.for_port(port)
    sink.hits(0, [(1, 90)])
    sink.close()
    assert port.messages[0] == mido.Message("note_on", channel=9, note=38, velocity=90)
    assert port.closed


def test_the_mixer_plays_each_hit_once_scaled_by_velocity():
    samples = make_samples()
    mixer = Mixer(samples)
    mixer.trigger(0, 127)
    first = mixer.block(256)
    assert np.allclose(first, np.clip(samples[0][:256], -1, 1), atol=1e-6)
    mixer.trigger(0, 64)
    second = mixer.block(256)
    expected = samples[0][256:512] + samples[0][:256] * (64 / 127)
    assert np.allclose(second, np.clip(expected, -1, 1), atol=1e-6)
    for _ in range(2 * len(samples[0]) // 256 + 2):
        mixer.block(256)
    assert not mixer.block(256).any()  # every hit has finished


def test_the_audio_sink_hands_hits_to_the_mixer():
    class Stream:
        def stop(self) -> None: ...

        def close(self) -> None: ...

    mixer = Mixer(make_samples())
    sink = AudioRhythmSink(Stream(), mixer)
    sink.hits(0, [(2, 127)])
    assert np.abs(mixer.block(128)).max() > 0.1


def test_rendered_hits_start_on_their_step():
    bar = np.zeros((9, 16), np.uint8)
    bar[0, 4] = 127  # a kick on beat 2
    audio = render_bars([bar], bpm=120)
    start = int(np.flatnonzero(np.abs(audio) > 1e-4)[0])
    assert start == pytest.approx(4 * 0.125 * RATE, abs=2)
