"""Tempo limits, checked where a tempo enters (the command line, a project, OSC)."""

from __future__ import annotations

MIN_BPM, MAX_BPM = 20.0, 400.0


def check_bpm(bpm: float) -> float:
    """The tempo as a float; ValueError outside 20-400 BPM (and for NaN)."""
    bpm = float(bpm)
    if not MIN_BPM <= bpm <= MAX_BPM:  # also refuses NaN
        raise ValueError(f"tempo must be {MIN_BPM:g} to {MAX_BPM:g} BPM, not {bpm:g}")
    return bpm
