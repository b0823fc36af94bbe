"""The shipped sound model's corpus: deterministic MIDI that covers what it says, rendered by the
real fluidsynth (skipped where fluidsynth or the soundfont is not installed)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from mapper.errors import GeneratorError
from mapper.generators.sound import shipped_corpus
from mapper.generators.sound.shipped_corpus import (
    INSTRUMENTS,
    SOUNDFONT,
    build_midi,
    render_corpus,
)

renders = pytest.mark.skipif(
    shutil.which("fluidsynth") is None or not SOUNDFONT.is_file(),
    reason="needs fluidsynth and fluid-soundfont-gm (apt install fluidsynth fluid-soundfont-gm)",
)


def midi_bytes(midi: mido.MidiFile) -> bytes:
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def test_the_midi_is_the_same_for_the_same_seed_and_differs_for_another():
    cello = INSTRUMENTS[0]
    first = midi_bytes(build_midi(cello, 25.0, seed=3))
    assert first == midi_bytes(build_midi(cello, 25.0, seed=3))
    assert first != midi_bytes(build_midi(cello, 25.0, seed=4))


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=lambda i: i.name)
def test_the_midi_is_valid_and_plays_its_instrument_across_its_range(instrument):
    midi = mido.MidiFile(file=io.BytesIO(midi_bytes(build_midi(instrument, 26.0))))
    assert midi.length == pytest.approx(26.0, abs=0.01)
    messages = [m for m in midi.tracks[0] if not m.is_meta]
    assert {m.program for m in messages if m.type == "program_change"} == {instrument.program}
    assert {m.channel for m in messages} == {0}
    notes = [m.note for m in messages if m.type == "note_on"]
    assert len(notes) >= 8
    assert instrument.low <= min(notes) and max(notes) <= instrument.high
    assert max(notes) - min(notes) >= 0.6 * (instrument.high - instrument.low)
    assert len({m.velocity for m in messages if m.type == "note_on"}) >= 4  # dynamics
    offs = [m for m in messages if m.type == "note_off"]
    assert len(offs) == len(notes)  # every note ends
    for control, least in ((11, 40), (1, 10)):  # expression swells, vibrato
        values = [m.value for m in messages if m.type == "control_change" and m.control == control]
        assert len(set(values)) >= least, control


def test_time_is_shared_and_the_file_is_mostly_sound():
    midi = build_midi(INSTRUMENTS[1], 30.0)
    now, sounding, held = 0.0, 0.0, 0
    for message in midi:  # seconds between messages, in order
        if held:
            sounding += message.time
        now += message.time
        if message.type in ("note_on", "note_off"):
            held += 1 if message.type == "note_on" else -1
    assert now == pytest.approx(30.0, abs=0.01)
    assert sounding > 0.8 * 30.0  # little silence


@renders
def test_a_short_corpus_renders_to_non_silent_files_of_the_asked_length(tmp_path: Path):
    paths = render_corpus(tmp_path / "corpus", seconds=14.0, rate=22050, soundfont=SOUNDFONT)
    assert [p.name for p in paths] == [
        f"{n:02d}-{i.name}.flac" for n, i in enumerate(INSTRUMENTS, 1)
    ]
    for path in paths:
        audio, rate = sf.read(path, dtype="float32")
        assert rate == 22050 and audio.ndim == 1
        assert len(audio) / rate == pytest.approx(2.0, abs=0.01)
        assert 20 * np.log10(np.abs(audio).max()) == pytest.approx(-1.0, abs=0.05)
        assert np.sqrt(np.mean(audio**2)) > 0.02, path.name


def test_missing_fluidsynth_or_soundfont_names_the_debian_packages(tmp_path, monkeypatch):
    with pytest.raises(GeneratorError, match="fluid-soundfont-gm"):
        render_corpus(tmp_path, 14.0, 22050, soundfont=tmp_path / "none.sf2")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GeneratorError, match="fluidsynth is not installed: apt install fluidsynth"):
        render_corpus(tmp_path, 14.0, 22050, SOUNDFONT)
    with pytest.raises(SystemExit, match="shipped_corpus: fluidsynth is not installed"):
        shipped_corpus.main(["--out", str(tmp_path), "--seconds", "14"])
