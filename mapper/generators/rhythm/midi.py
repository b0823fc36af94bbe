"""Standard MIDI files for drum patterns: reading bars of hits, writing a rendered pattern.

Hand-written on purpose: a drum loop needs only notes, tempo and time signature, this is about
150 lines, and it lets `mapper generator train` read MIDI loops and `render` write them with
no extra installed (mido, in the `midi` extra, is needed only for live MIDI ports).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.patterns import Pattern
from mapper.generators.rhythm.voices import GM_DRUM_CHANNEL, GM_NOTES, GM_TO_VOICE, STEPS

TICKS_PER_QUARTER = 480


class _Reader:
    def __init__(self, data: bytes, where: str) -> None:
        self.data, self.pos, self.where = data, 0, where

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise GeneratorError(f"{self.where}: the MIDI file ends in the middle of an event")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def varlen(self) -> int:
        value = 0
        for _ in range(4):
            b = self.byte()
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                return value
        raise GeneratorError(f"{self.where}: a variable-length number is too long")


def _track_events(
    data: bytes, where: str
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, float]]]:
    """(tick, channel, note, velocity) note-ons, and (tick, bar length in quarters) changes."""
    r = _Reader(data, where)
    notes: list[tuple[int, int, int, int]] = []
    meters: list[tuple[int, float]] = []
    tick, status = 0, 0
    while r.pos < len(data):
        tick += r.varlen()
        first = r.byte()
        if first & 0x80:
            status = first
            first = -1
        elif not status:
            raise GeneratorError(f"{where}: running status without a status byte")
        if status == 0xFF:
            kind = r.byte() if first < 0 else first
            body = r.take(r.varlen())
            status = 0  # meta events cancel running status
            if kind == 0x58 and len(body) >= 2:
                meters.append((tick, body[0] * 4 / (2 ** body[1])))
            if kind == 0x2F:
                break
            continue
        if status in (0xF0, 0xF7):
            length = r.varlen() if first < 0 else first
            r.take(length)
            status = 0
            continue
        kind, channel = status & 0xF0, status & 0x0F
        size = 1 if kind in (0xC0, 0xD0) else 2
        args = [first] if first >= 0 else []
        while len(args) < size:
            args.append(r.byte())
        if kind == 0x90 and args[1] > 0:
            notes.append((tick, channel, args[0], args[1]))
    return notes, meters


def read_midi_patterns(path: Path) -> list[Pattern]:
    """One pattern per bar with drum hits (16 steps, General MIDI drum notes -> 9 voices).

    Notes on channel 10 are used when the file has any; otherwise every channel's notes.
    Bars are 4/4 unless the file says otherwise (its first time signature).
    """
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise GeneratorError(f"{path}: cannot be read: {e}") from e
    if data[:4] != b"MThd" or len(data) < 14:
        raise GeneratorError(f"{path}: not a standard MIDI file")
    length, _fmt, n_tracks, division = struct.unpack(">IHHH", data[4:14])
    if division & 0x8000:
        raise GeneratorError(f"{path}: SMPTE time division is not supported; save in beats")
    pos = 8 + length
    notes: list[tuple[int, int, int, int]] = []
    meters: list[tuple[int, float]] = []
    for _ in range(n_tracks):
        if pos + 8 > len(data):
            break
        kind, size = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        if kind == b"MTrk":
            n, m = _track_events(data[pos + 8 : pos + 8 + size], where)
            notes += n
            meters += m
        pos += 8 + size
    drums = [n for n in notes if n[1] == GM_DRUM_CHANNEL] or notes
    bar_quarters = min(meters)[1] if meters else 4.0
    step_ticks = division * bar_quarters / STEPS
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


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def midi_file_bytes(bars: list[np.ndarray], bpm: float) -> bytes:
    """A format-0 file: the bars' hits as notes on channel 10 at `bpm`, in 4/4."""
    step = TICKS_PER_QUARTER // 4
    events: list[tuple[int, int, bytes]] = []  # (tick, order: offs before ons, bytes)
    for b, grid in enumerate(bars):
        for voice, k in zip(*np.nonzero(grid)):
            tick = (b * STEPS + int(k)) * step
            note, vel = GM_NOTES[voice], int(grid[voice, k])
            events.append((tick, 1, bytes([0x90 | GM_DRUM_CHANNEL, note, vel])))
            events.append((tick + step // 2, 0, bytes([0x80 | GM_DRUM_CHANNEL, note, 0])))
    events.sort(key=lambda e: (e[0], e[1]))
    tempo = round(60_000_000 / bpm)
    track = bytearray()
    track += b"\x00\xff\x51\x03" + tempo.to_bytes(3, "big")
    track += b"\x00\xff\x58\x04\x04\x02\x18\x08"
    last = 0
    for tick, _, body in events:
        track += _varlen(tick - last) + body
        last = tick
    end = len(bars) * STEPS * step
    track += _varlen(max(0, end - last)) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def write_midi(path: Path, bars: list[np.ndarray], bpm: float) -> None:
    path.write_bytes(midi_file_bytes(bars, bpm))
