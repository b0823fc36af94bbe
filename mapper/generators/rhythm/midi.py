"""Standard MIDI files for drum patterns: reading bars of hits, writing a rendered pattern.

mido (a core dependency, pure Python) parses and writes the files; this module turns their
notes into 16-step bars of the nine voices and back. Whatever mido cannot read becomes one
GeneratorError naming the file, in words for a musician.
"""

from __future__ import annotations

import io
from pathlib import Path

import mido
import numpy as np
from mido.midifiles import meta

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.patterns import Pattern
from mapper.generators.rhythm.voices import GM_DRUM_CHANNEL, GM_NOTES, GM_TO_VOICE, STEPS

TICKS_PER_QUARTER = 480
# what mido's parser raises on a broken file: a cut (EOFError), a bad byte (OSError,
# ValueError), a short or odd meta event (IndexError, KeyError, KeySignatureError)
_BROKEN = (OSError, EOFError, ValueError, LookupError, TypeError, mido.KeySignatureError)


class _ForgivingKeySignature(meta.MetaSpec_key_signature):
    """A key signature, which a drum loop never needs: an impossible one (real files have
    them) reads as C instead of refusing the whole file."""

    type = "key_signature"

    def decode(self, message: mido.MetaMessage, data: list[int]) -> None:
        try:
            super().decode(message, data)
        except (mido.KeySignatureError, IndexError, KeyError):
            message.key = "C"


class _ForgivingTimeSignature(meta.MetaSpec_time_signature):
    """A time signature cut short reads its missing fields as 4/4's, as the old reader did."""

    type = "time_signature"

    def decode(self, message: mido.MetaMessage, data: list[int]) -> None:
        super().decode(message, [*data[:4], *[4, 2, 24, 8][len(data) :]])


for _spec in (_ForgivingKeySignature, _ForgivingTimeSignature):
    meta.add_meta_spec(_spec)  # mido reads every file of this process through these


def _track_chunks_only(data: bytes) -> bytes:
    """The file with its header and track chunks only, the header counting the tracks present.

    Other chunk kinds may sit in a standard MIDI file and readers skip them (SMF 1.0); mido
    refuses them, and a track the header counts but the file lacks: both are left out.
    """
    header_end = 8 + int.from_bytes(data[4:8], "big")
    declared = int.from_bytes(data[10:12], "big")
    tracks: list[bytes] = []
    pos = header_end
    while pos + 8 <= len(data) and len(tracks) < declared:
        size = int.from_bytes(data[pos + 4 : pos + 8], "big")
        if data[pos : pos + 4] == b"MTrk":
            tracks.append(data[pos : pos + 8 + size])  # a cut one stays: mido reports it
        pos += 8 + size
    header = data[8:10] + len(tracks).to_bytes(2, "big") + data[12:14]
    return b"MThd" + (6).to_bytes(4, "big") + header + b"".join(tracks)


def _load(path: Path) -> mido.MidiFile:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise GeneratorError(f"{path}: cannot be read: {e}") from e
    if data[:4] != b"MThd" or len(data) < 14:
        raise GeneratorError(f"{path}: not a standard MIDI file")
    try:
        # clip: a data byte over 127 is read as 127 rather than refusing the whole file
        midi = mido.MidiFile(file=io.BytesIO(_track_chunks_only(data)), clip=True)
    except EOFError as e:
        raise GeneratorError(f"{path}: the MIDI file ends in the middle of an event") from e
    except _BROKEN as e:
        why = str(e) or type(e).__name__
        raise GeneratorError(f"{path}: not a readable MIDI file ({why})") from e
    if midi.ticks_per_beat < 0:
        raise GeneratorError(f"{path}: SMPTE time division is not supported; save in beats")
    if midi.ticks_per_beat == 0:
        raise GeneratorError(f"{path}: not a readable MIDI file (0 ticks per beat)")
    return midi


def read_midi_patterns(path: Path) -> list[Pattern]:
    """One pattern per bar with drum hits (16 steps, General MIDI drum notes -> 9 voices).

    Notes on channel 10 are used when the file has any; otherwise every channel's notes.
    Bars are 4/4 unless the file says otherwise (its first time signature).
    """
    midi = _load(path)
    notes: list[tuple[int, int, int, int]] = []  # (tick, channel, note, velocity)
    meters: list[tuple[int, float]] = []  # (tick, bar length in quarters)
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity > 0:
                notes.append((tick, message.channel, message.note, message.velocity))
            elif message.type == "time_signature":
                meters.append((tick, message.numerator * 4 / message.denominator))
            elif message.type == "end_of_track":
                break
    drums = [n for n in notes if n[1] == GM_DRUM_CHANNEL] or notes
    bar_quarters = min(meters)[1] if meters else 4.0
    step_ticks = midi.ticks_per_beat * bar_quarters / STEPS
    bars: dict[int, np.ndarray] = {}
    for tick, _channel, note, velocity in drums:
        voice = GM_TO_VOICE.get(note)
        if voice is None:
            continue
        step = round(tick / step_ticks)
        grid = bars.setdefault(step // STEPS, np.zeros((9, STEPS), np.uint8))
        grid[voice, step % STEPS] = max(grid[voice, step % STEPS], velocity)
    style = path.stem
    return [Pattern(f"{style}-bar{b + 1}", style, bars[b]) for b in sorted(bars)]


def midi_file_bytes(bars: list[np.ndarray], bpm: float) -> bytes:
    """A format-0 file: the bars' hits as notes on channel 10 at `bpm`, in 4/4."""
    step = TICKS_PER_QUARTER // 4
    events: list[tuple[int, int, str, int, int]] = []  # (tick, offs before ons, type, note, vel)
    for b, grid in enumerate(bars):
        for voice, k in zip(*np.nonzero(grid)):
            tick = (b * STEPS + int(k)) * step
            note, velocity = GM_NOTES[voice], int(grid[voice, k])
            events.append((tick, 1, "note_on", note, velocity))
            events.append((tick + step // 2, 0, "note_off", note, 0))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=round(60_000_000 / bpm)))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
    last = 0
    for tick, _, kind, note, velocity in events:
        track.append(
            mido.Message(
                kind, channel=GM_DRUM_CHANNEL, note=note, velocity=velocity, time=tick - last
            )
        )
        last = tick
    end = len(bars) * STEPS * step
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - last)))
    out = io.BytesIO()
    mido.MidiFile(type=0, ticks_per_beat=TICKS_PER_QUARTER, tracks=[track]).save(file=out)
    return out.getvalue()


def write_midi(path: Path, bars: list[np.ndarray], bpm: float) -> None:
    path.write_bytes(midi_file_bytes(bars, bpm))
