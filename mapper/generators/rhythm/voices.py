"""The nine drum voices, their short names in pattern files, and their General MIDI notes."""

from __future__ import annotations

STEPS = 16  # one bar of 4/4 in sixteenth notes
VOICES = (
    "kick",
    "snare",
    "closed hat",
    "open hat",
    "low tom",
    "mid tom",
    "high tom",
    "crash",
    "ride",
)
SHORT_NAMES = ("kick", "snare", "hat", "openhat", "lowtom", "midtom", "hightom", "crash", "ride")
GM_NOTES = (36, 38, 42, 46, 45, 47, 50, 49, 51)  # what each voice sends on the drum channel
GM_DRUM_CHANNEL = 9  # channel 10 counted from 1

# Other General MIDI drum notes, read from files and folded onto the nine voices.
GM_TO_VOICE = {
    35: 0, 36: 0,  # kicks
    37: 1, 38: 1, 39: 1, 40: 1,  # side stick, snares, clap
    42: 2, 44: 2, 54: 2, 69: 2, 70: 2, 82: 2,  # closed / pedal hat, tambourine, shakers
    46: 3,  # open hat
    41: 4, 43: 4, 45: 4,  # low toms
    47: 5, 48: 5,  # mid toms
    50: 6,  # high tom
    49: 7, 52: 7, 55: 7, 57: 7,  # crashes, china, splash
    51: 8, 53: 8, 59: 8, 56: 8,  # rides, ride bell, cowbell
}  # fmt: skip
