"""The training audio of the sound model we ship: General MIDI phrases rendered with fluidsynth.

License: the soundfont is FluidR3_GM (Debian package fluid-soundfont-gm), (c) 2000-2002, 2008
Frank Wen and 2008 Toby Smithe, released under the MIT license (see
/usr/share/doc/fluid-soundfont-gm/copyright). Its samples may be used, modified and
redistributed freely, so the audio rendered here and the weights trained on it can be shipped;
we keep the MIT notice beside the shipped model. The MIDI is written by this file (no third-party
score); fluidsynth (LGPL) is only a tool run here, nothing of it is shipped.

Recipe to retrain the shipped model (Debian: apt install fluidsynth fluid-soundfont-gm):

    python -m mapper.generators.sound.shipped_corpus --out /tmp/shipped-corpus
    mapper generator train sound --data /tmp/shipped-corpus \\
        --out mapper/generators/sound/shipped/sound.ts --minutes 15

The corpus: seven sustained instruments, equal time each, long notes and slow phrases across
each one's natural range, with velocity and expression (CC11) swells, crescendos and
decrescendos, legato and detached phrases, delayed vibrato (CC1), little silence. Rendered dry
(no reverb or chorus), mixed to mono, each file's peak at -1 dBFS, written as 24-bit FLAC.
Deterministic: the same seed gives the same MIDI bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

from mapper.errors import GeneratorError

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SECONDS = 180.0
RATE = 44100
PEAK = 10 ** (-1 / 20)  # -1 dBFS
TICKS, PER_SECOND = 480, 960  # per beat, and per second at 120 bpm
CC_STEP = 0.05  # seconds between controller points
TAIL = 0.6  # seconds left at the end of each file for the last release
INSTALL = "apt install fluidsynth fluid-soundfont-gm"


@dataclass(frozen=True)
class Instrument:
    """A General MIDI program (0-based) and the range of notes it plays."""

    name: str
    program: int
    low: int
    high: int
    chords: bool = False  # may play two voices in its long notes


INSTRUMENTS = (
    Instrument("cello", 42, 36, 76),
    Instrument("flute", 73, 60, 93),
    Instrument("choir-aahs", 52, 48, 79, chords=True),
    Instrument("strings", 48, 36, 88, chords=True),
    Instrument("french-horn", 60, 41, 74),
    Instrument("clarinet", 71, 50, 86),
    Instrument("warm-pad", 89, 36, 84, chords=True),
)
INIT = ((7, 100), (10, 64), (11, 100), (1, 0))  # volume, pan, expression, modulation
SCALES = ((0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10))  # major, natural minor
Event = tuple[float, int, mido.Message]  # (seconds, order at equal times, message)


def _curve(shape: str, n: int, low: float, high: float) -> list[float]:
    """`n` points of an expression shape between `low` and `high`."""
    x = np.linspace(0.0, 1.0, max(n, 2))
    y = {
        "swell": np.sin(np.pi * x),
        "crescendo": x,
        "decrescendo": 1.0 - x,
        "arc": np.sin(np.pi * np.clip(x * 1.2 - 0.1, 0.0, 1.0)) ** 0.7,
    }.get(shape, np.full_like(x, 0.8))
    return (low + (high - low) * y).tolist()


def _controller(
    events: list[Event], start: float, end: float, cc: int, values: list[float]
) -> None:
    times = np.linspace(start, end, len(values))
    last = -1
    for t, v in zip(times, values, strict=True):
        value = round(min(max(v, 0.0), 127.0))
        if value != last:
            events.append((float(t), 1, mido.Message("control_change", control=cc, value=value)))
            last = value


def _phrase(
    rng: random.Random, ins: Instrument, at: float, end: float, centre: float
) -> tuple[list[Event], float]:
    """One phrase from `at` (seconds) ending by `end`: its events and where it ended."""
    kind = rng.choice(("long", "legato", "legato", "detached"))
    root = rng.randrange(12)
    scale = [p for p in range(ins.low, ins.high + 1) if (p - root) % 12 in rng.choice(SCALES)]
    degree = min(range(len(scale)), key=lambda i: abs(scale[i] - centre))
    count, lengths = {
        "long": (rng.randint(1, 3), (2.5, 4.5)),
        "legato": (rng.randint(4, 8), (0.5, 1.4)),
        "detached": (rng.randint(3, 6), (0.6, 1.6)),
    }[kind]
    level = rng.uniform(0.45, 1.0)  # the phrase's dynamic, p .. ff (about 30 dB)
    events: list[Event] = []
    t = at
    for _ in range(count):
        length = min(rng.uniform(*lengths), end - t)
        if length < 0.3:
            break
        step = rng.choice((-3, -2, -1, 1, 1, 2, 3))  # never the same note twice
        step = -step if (scale[degree] - centre) * step > 12 else step  # stay in the register
        degree = degree + step if 0 <= degree + step < len(scale) else degree - step
        pitches = [scale[degree]]
        if ins.chords and kind == "long" and degree >= 5 and rng.random() < 0.6:
            pitches.append(scale[degree - rng.choice((2, 4, 5))])  # a third, fifth or sixth below
        velocity = int(min(40 + 85 * level + rng.uniform(-8, 8), 127))
        overlap = 0.05 if kind == "legato" else -rng.uniform(0.03, 0.15)
        off = min(t + length + overlap, end)
        for p in pitches:
            events.append((t, 2, mido.Message("note_on", note=p, velocity=velocity)))
            events.append((off, 0, mido.Message("note_off", note=p, velocity=64)))
        if kind != "legato":
            shape = rng.choice(("swell", "crescendo", "decrescendo", "swell", "flat"))
            n = int(length / CC_STEP)
            _controller(events, t, off, 11, _curve(shape, n, 127 * level * 0.5, 127 * level))
        if length > 1.2 and rng.random() < 0.6:  # delayed vibrato, back to none at the next note
            depth = rng.uniform(30, 90)
            _controller(events, t + 0.4, min(t + 1.2, off), 1, _curve("crescendo", 16, 0, depth))
        events.append((t, 1, mido.Message("control_change", control=1, value=0)))
        t = t + length
    if kind == "legato" and t > at:  # one crescendo-decrescendo over the whole phrase
        n = int((t - at) / CC_STEP)
        _controller(
            events, at, t, 11, _curve("arc", n, 127 * level * 0.5, 127 * min(level + 0.15, 1))
        )
    return events, t


def build_midi(instrument: Instrument, seconds: float, seed: int = 0) -> mido.MidiFile:
    """`seconds` of slow phrases for one instrument, covering its range; the same seed gives
    the same file, byte for byte."""
    rng = random.Random(f"{seed}:{instrument.name}")
    end = max(seconds - TAIL, 0.5)
    events: list[Event] = [
        (0.0, 0, mido.Message("control_change", control=c, value=v)) for c, v in INIT
    ]
    events.append((0.0, 0, mido.Message("program_change", program=instrument.program)))
    t, i = 0.05, 0
    registers = list(np.linspace(instrument.low + 3, instrument.high - 3, 4))
    while end - t > 0.3:
        if i % len(registers) == 0:
            rng.shuffle(registers)  # every register once per cycle, in a random order
        phrase, t = _phrase(rng, instrument, t, end, registers[i % len(registers)])
        events += phrase
        t += rng.uniform(0.05, 0.25)  # a breath
        i += 1
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=instrument.name, time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    now = 0
    for at, _, message in sorted(events, key=lambda e: (round(e[0] * PER_SECOND), e[1])):
        tick = round(at * PER_SECOND)
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=round(seconds * PER_SECOND) - now))
    midi = mido.MidiFile(type=0, ticks_per_beat=TICKS)
    midi.tracks.append(track)
    return midi


def _fluidsynth(soundfont: Path) -> str:
    found = shutil.which("fluidsynth")
    if found is None:
        raise GeneratorError(f"fluidsynth is not installed: {INSTALL}")
    if not soundfont.is_file():
        raise GeneratorError(f"no soundfont at {soundfont}: {INSTALL}, or give --soundfont PATH")
    return found


def render_corpus(
    out: Path,
    seconds: float = SECONDS,
    rate: int = RATE,
    soundfont: Path = SOUNDFONT,
    seed: int = 0,
    instruments: tuple[Instrument, ...] = INSTRUMENTS,
) -> list[Path]:
    """Render `seconds` in all, shared equally by `instruments`, to one FLAC file each in `out`."""
    program = _fluidsynth(soundfont)
    each = seconds / len(instruments)
    if each < 1.0:
        raise GeneratorError(f"{seconds:g} s is too short for {len(instruments)} instruments")
    out.mkdir(parents=True, exist_ok=True)
    written, fade = [], round(0.3 * rate)
    with tempfile.TemporaryDirectory() as tmp:
        for n, ins in enumerate(instruments, 1):
            mid, wav = Path(tmp, f"{ins.name}.mid"), Path(tmp, f"{ins.name}.wav")
            build_midi(ins, each, seed).save(mid)
            command = [program, "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(rate)]
            command += ["-T", "wav", "-O", "float", "-F", str(wav), str(soundfont), str(mid)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if done.returncode != 0 or not wav.is_file():
                why = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
                raise GeneratorError(f"fluidsynth could not render {ins.name}: {why}")
            audio, _ = sf.read(wav, dtype="float32", always_2d=True)  # at `rate`, as asked
            mono = audio.mean(axis=1)
            size = round(each * rate)
            mono = np.pad(mono[:size], (0, max(size - len(mono), 0)))
            mono[-fade:] *= np.linspace(1, 0, fade)  # no click where the last release is cut
            peak = float(np.abs(mono).max())
            if peak < 1e-4:
                raise GeneratorError(f"fluidsynth rendered silence for {ins.name} from {soundfont}")
            path = out / f"{n:02d}-{ins.name}.flac"
            sf.write(path, mono * (PEAK / peak), rate, subtype="PCM_24")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the folder for the FLAC files")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="in all (default 180)")
    parser.add_argument("--rate", type=int, default=RATE, help="sample rate (default 44100)")
    parser.add_argument("--soundfont", type=Path, default=SOUNDFONT, help=f"default {SOUNDFONT}")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        paths = render_corpus(args.out, args.seconds, args.rate, args.soundfont, args.seed)
    except GeneratorError as error:
        raise SystemExit(f"shipped_corpus: {error}") from None
    for path in paths:
        audio, rate = sf.read(path, dtype="float32")
        rms = 20 * np.log10(float(np.sqrt(np.mean(audio**2))) + 1e-12)
        print(f"{path}  {len(audio) / rate:.1f} s  RMS {rms:.1f} dBFS")
    print(f"{len(paths)} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
