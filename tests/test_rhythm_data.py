"""The rhythm model's training data: readable text grids, MIDI files, and the shipped set."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.midi import midi_file_bytes, read_midi_patterns, write_midi
from mapper.generators.rhythm.patterns import (
    format_patterns,
    parse_patterns,
    shipped_data_dir,
)
from mapper.generators.rhythm.sources import read_patterns
from mapper.generators.rhythm.voices import GM_NOTES

GRID = """\
# a comment
pattern: mine-1  style: mine
kick     x... .... x.x. ....
snare    .... X... .... X..o
hat      x.x. x.x. x.x. x.x.

pattern: mine-2  style: mine
kick     9... 1... .... ....   # digits are velocities
"""


def test_a_text_grid_reads_as_velocities_per_voice_and_step():
    a, b = parse_patterns(GRID)
    assert (a.name, a.style) == ("mine-1", "mine")
    assert a.velocities.shape == (9, 16)
    assert list(np.flatnonzero(a.velocities[0])) == [0, 8, 10]  # kick
    assert a.velocities[1, 4] > a.velocities[0, 0] > a.velocities[1, 15] > 0  # X > x > o
    assert not a.velocities[3:].any()  # voices left out are silent
    assert b.velocities[0, 0] == 127 and b.velocities[0, 4] == 14


def test_writing_then_reading_a_grid_keeps_every_hit():
    patterns = parse_patterns(GRID)
    again = parse_patterns(format_patterns(patterns, "round trip"))
    for p, q in zip(patterns, again):
        assert np.array_equal(p.onsets, q.onsets)
        assert (p.name, p.style) == (q.name, q.style)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kick x...\n", "line 1: expected 'pattern: NAME"),
        ("pattern: a\ncowbell x... .... .... ....\n", "line 2: unknown voice 'cowbell'"),
        ("pattern: a\nkick x... .... ....\n", "line 2: kick has 12 steps, expected 16"),
        ("pattern: a\nkick x... .... .... ...?\n", "line 2: '?' is not a step"),
        ("pattern: a\nkick x... .... .... ....\nkick x... .... .... ....\n", "twice"),
    ],
)
def test_a_broken_grid_is_refused_naming_the_line(text, problem):
    with pytest.raises(GeneratorError, match=problem.replace("(", r"\(").replace("?", r"\?")):
        parse_patterns(text, "my.txt")


def test_the_shipped_data_has_at_least_200_patterns_in_at_least_8_styles():
    patterns = read_patterns(shipped_data_dir())
    styles = {p.style for p in patterns}
    assert len(patterns) >= 200 and len(styles) >= 8
    assert len({p.velocities.tobytes() for p in patterns}) == len(patterns)  # no duplicates
    assert all(p.onsets.any() for p in patterns)


def test_midi_files_round_trip_through_the_drum_channel(tmp_path: Path):
    a, b = parse_patterns(GRID)
    path = tmp_path / "loop.mid"
    write_midi(path, [a.velocities, b.velocities], bpm=100)
    bars = read_midi_patterns(path)
    assert [p.name for p in bars] == ["loop-bar1", "loop-bar2"]
    assert np.array_equal(bars[0].velocities, a.velocities)
    assert np.array_equal(bars[1].velocities, b.velocities)


def test_midi_from_another_program_is_quantized_and_folded_onto_the_nine_voices(tmp_path: Path):
    """Running status, a 3/4 bar at 96 ticks per quarter, slightly late hits, a clap (39)."""

    def vlq(n: int) -> bytes:
        out = [n & 0x7F]
        while n := n >> 7:
            out.append((n & 0x7F) | 0x80)
        return bytes(reversed(out))

    events = b"\x00\xff\x58\x04\x03\x02\x18\x08"  # 3/4: a bar is 3 quarters = 16 steps of 18 ticks
    events += b"\x00\x99" + bytes([36, 100])  # kick at 0 (note on, channel 10)
    events += vlq(20) + bytes([39, 80])  # running status: clap, 20 ticks later -> step 1
    events += vlq(30) + b"\x89" + bytes([36, 0])  # note off
    events += vlq(238) + b"\x99" + bytes([36, 90])  # tick 288: the next bar's first step
    events += b"\x00\xff\x2f\x00"
    data = b"MThd" + (6).to_bytes(4, "big") + b"\x00\x00\x00\x01\x00\x60"
    data += b"MTrk" + len(events).to_bytes(4, "big") + events
    path = tmp_path / "other.mid"
    path.write_bytes(data)
    one, two = read_midi_patterns(path)
    assert one.velocities[0, 0] == 100 and one.velocities[1, 1] == 80
    assert two.velocities[0, 0] == 90 and two.onsets.sum() == 1


def test_a_file_that_is_not_midi_is_refused(tmp_path: Path):
    path = tmp_path / "x.mid"
    path.write_bytes(b"RIFF....")
    with pytest.raises(GeneratorError, match="not a standard MIDI file"):
        read_patterns(path)
    with pytest.raises(GeneratorError, match="no such file or folder"):
        read_patterns(tmp_path / "not-there")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(GeneratorError, match="no pattern files"):
        read_patterns(empty)


def smf(*chunks: bytes, tracks: int | None = None, division: int = 480) -> bytes:
    """A standard MIDI file of these chunks (format 1), the header counting `tracks`."""
    count = sum(c.startswith(b"MTrk") for c in chunks) if tracks is None else tracks
    head = b"MThd" + (6).to_bytes(4, "big") + b"\x00\x01" + count.to_bytes(2, "big")
    return head + division.to_bytes(2, "big") + b"".join(chunks)


def chunk(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


KICK_AND_END = b"\x00\x99\x24\x64" + b"\x00\xff\x2f\x00"  # a kick at tick 0, end of track


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (smf(chunk(b"MTrk", KICK_AND_END))[:-3], "ends in the middle of an event"),
        (smf(chunk(b"MTrk", b"\x00\x24\x64")), "not a readable MIDI file"),  # no status byte
        (smf(chunk(b"MTrk", b"\x00\xf4" + KICK_AND_END)), "not a readable MIDI file"),
        (smf(chunk(b"MTrk", KICK_AND_END), division=0xE728), "SMPTE time division"),
        (smf(chunk(b"MTrk", KICK_AND_END), division=0), "0 ticks per beat"),
        (b"MThd\x00\x00\x00\x06\x00", "not a standard MIDI file"),
    ],
    ids=["cut", "running-status-first", "undefined-status", "smpte", "0-ticks", "head"],
)
def test_a_broken_midi_file_is_refused_in_one_line_naming_it(tmp_path: Path, data, problem):
    path = tmp_path / "broken.mid"
    path.write_bytes(data)
    with pytest.raises(GeneratorError, match=problem) as info:
        read_patterns(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "meta",
    [b"\x00\xff\x59\x02\x40\x07", b"\x00\xff\x58\x02\x03\x02"],
    ids=["impossible-key-signature", "time-signature-cut-short"],
)
def test_a_broken_meta_event_a_drum_loop_does_not_need_never_costs_the_file(tmp_path, meta):
    """Real files carry broken key signatures (mido issues 105, 235): the hits still count."""
    path = tmp_path / "loop.mid"
    path.write_bytes(smf(chunk(b"MTrk", meta + KICK_AND_END)))
    (bar,) = read_midi_patterns(path)
    assert bar.velocities[0, 0] == 100 and bar.onsets.sum() == 1


def test_other_chunks_and_a_missing_last_track_are_skipped_as_before(tmp_path: Path):
    path = tmp_path / "odd.mid"
    alien = chunk(b"XFIH", b"\x01\x02\x03")  # a vendor's chunk: readers skip it
    path.write_bytes(smf(alien, chunk(b"MTrk", KICK_AND_END), tracks=2))  # the header says 2
    (bar,) = read_midi_patterns(path)
    assert bar.velocities[0, 0] == 100 and bar.onsets.sum() == 1


def test_a_midi_file_without_drum_notes_holds_no_patterns(tmp_path: Path):
    path = tmp_path / "piano.mid"
    path.write_bytes(smf(chunk(b"MTrk", b"\x00\x90\x3c\x64\x60\x80\x3c\x00\x00\xff\x2f\x00")))
    assert read_midi_patterns(path) == []
    with pytest.raises(GeneratorError, match="holds no patterns"):
        read_patterns(path)


def test_mido_reads_our_midi_files_the_same(tmp_path: Path):
    (a,) = parse_patterns(GRID)[:1]
    path = tmp_path / "a.mid"
    path.write_bytes(midi_file_bytes([a.velocities], 120))
    midi = mido.MidiFile(path)
    ons = [m for m in midi if m.type == "note_on" and m.velocity > 0]
    assert sorted(m.note for m in ons) == sorted(
        GM_NOTES[v] for v, _ in zip(*np.nonzero(a.velocities))
    )
    assert all(m.channel == 9 for m in ons)
    assert midi.type == 0 and midi.length == pytest.approx(2.0)  # one 4/4 bar at 120 BPM
    (meter,) = [m for m in midi if m.type == "time_signature"]
    assert (meter.numerator, meter.denominator) == (4, 4)
