"""Drum patterns as text grids a person can read and edit, and as velocity arrays.

A pattern file holds any number of patterns, each a header line and one line per voice:

    pattern: rock-1  style: rock
    kick     x... .... x.x. ....
    snare    .... X... .... X...
    hat      x.x. x.x. x.x. x.x.

Each voice line is a voice name and 16 steps (spaces between steps are ignored): `.` is a rest,
`o` a soft hit, `x` a normal hit, `X` an accent, or a digit 1-9 for a velocity of 1/9 .. 9/9 of
127. Voices left out are silent. `#` starts a comment. Voices: kick snare hat openhat lowtom
midtom hightom crash ride.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.voices import SHORT_NAMES, STEPS

SYMBOLS = {".": 0, "-": 0, "o": 50, "x": 90, "X": 120} | {
    str(d): round(d * 127 / 9) for d in range(1, 10)
}
HEADER = re.compile(r"^pattern:\s*(\S+)(?:\s+style:\s*(\S+))?\s*$")


@dataclass
class Pattern:
    """One bar: velocities 0..127, shape (9 voices, 16 steps); 0 = no hit."""

    name: str
    style: str
    velocities: np.ndarray

    @property
    def onsets(self) -> np.ndarray:
        return self.velocities > 0


def symbol(velocity: int) -> str:
    """The grid symbol nearest a velocity (0 -> '.')."""
    if velocity <= 0:
        return "."
    return min(("o", "x", "X"), key=lambda s: abs(SYMBOLS[s] - velocity))


def format_pattern(p: Pattern) -> str:
    """The text grid of one pattern (every voice written)."""
    width = max(len(n) for n in SHORT_NAMES)
    lines = [f"pattern: {p.name}  style: {p.style}"]
    for name, row in zip(SHORT_NAMES, p.velocities):
        cells = "".join(symbol(int(v)) for v in row)
        groups = " ".join(cells[k : k + 4] for k in range(0, STEPS, 4))
        lines.append(f"{name:<{width}}  {groups}")
    return "\n".join(lines) + "\n"


def format_patterns(patterns: list[Pattern], comment: str = "") -> str:
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    return head + "\n".join(format_pattern(p) for p in patterns)


def parse_patterns(text: str, where: str = "<text>") -> list[Pattern]:
    """Every pattern in a pattern file; GeneratorError names the line and what is wrong."""
    patterns: list[Pattern] = []
    current: Pattern | None = None
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        at = f"{where}, line {number}"
        header = HEADER.match(line)
        if header:
            current = Pattern(
                header.group(1), header.group(2) or "unlabelled", np.zeros((9, STEPS), np.uint8)
            )
            patterns.append(current)
            seen = set()
            continue
        if current is None:
            raise GeneratorError(f"{at}: expected 'pattern: NAME  style: STYLE' first")
        name, _, cells = line.partition(" ")
        if name not in SHORT_NAMES:
            raise GeneratorError(
                f"{at}: unknown voice {name!r}; the voices are {' '.join(SHORT_NAMES)}"
            )
        if name in seen:
            raise GeneratorError(f"{at}: voice {name!r} appears twice in {current.name}")
        seen.add(name)
        steps = cells.replace(" ", "").replace("|", "")
        if len(steps) != STEPS:
            raise GeneratorError(f"{at}: {name} has {len(steps)} steps, expected {STEPS}")
        bad = [c for c in steps if c not in SYMBOLS]
        if bad:
            raise GeneratorError(f"{at}: {bad[0]!r} is not a step; use . o x X or a digit 1-9")
        current.velocities[SHORT_NAMES.index(name)] = [SYMBOLS[c] for c in steps]
    return patterns


def read_pattern_file(path: Path) -> list[Pattern]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GeneratorError(f"{path}: cannot be read: {e}") from e
    return parse_patterns(text, str(path))


def shipped_data_dir() -> Path:
    """The folder of the patterns the shipped model was trained on."""
    return Path(__file__).parent / "data"
