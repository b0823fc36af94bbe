"""Compose the shipped training patterns: a few hand-written grooves per style, and variations.

Run `python -m mapper.generators.rhythm.compose` to rewrite `data/*.txt`. The model trains on
those text files, not on this script: edit them by hand, add your own, or rerun this. The
grooves were written for this project; the variations are the ones a drummer plays (busier or
sparser hats, ride instead of hats, ghost notes, a crash on the one, a fill at the end of the bar).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from mapper.generators.rhythm.patterns import (
    SYMBOLS,
    Pattern,
    format_patterns,
    parse_patterns,
    shipped_data_dir,
)
from mapper.generators.rhythm.voices import SHORT_NAMES

PER_STYLE = 24
V = {name: k for k, name in enumerate(SHORT_NAMES)}

# Grooves: each a dict voice -> 16 steps; every style has a few.
GROOVES: dict[str, list[dict[str, str]]] = {
    "rock": [
        {"kick": "x.......x.x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x......xx.......", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x.x.....x.x.....", "snare": "....X.......X...", "hat": "X.x.X.x.X.x.X.x."},
        {"kick": "x.......x......x", "snare": "....X.......X.o.", "hat": "x.x.x.x.x.x.x.x."},
    ],
    "funk": [
        {"kick": "x.x.......x..x..", "snare": "....X..o.o..X..o", "hat": "XxxxXxxxXxxxXxxx"},
        {"kick": "x..x..x...x.....", "snare": "....X.o..o.oX...", "hat": "x.x.x.x.x.x.x.o."},
        {"kick": "x.....xx..x..x..", "snare": "..o.X..o..o.X.o.", "hat": "XxXxXxXxXxXxXxXx"},
    ],
    "disco": [
        {
            "kick": "x...x...x...x...",
            "snare": "....X.......X...",
            "hat": "x.x.x.x.x.x.x.x.",
            "openhat": "..x...x...x...x.",
        },
        {
            "kick": "x...x...x...x...",
            "snare": "....X.......X...",
            "hat": "xxxxxxxxxxxxxxxx",
            "openhat": "..X...X...X...X.",
        },
        {
            "kick": "x...x...x...x...",
            "snare": "....X..o....X...",
            "openhat": "..x...x...x...x.",
            "hat": "x.o.x.o.x.o.x.o.",
        },
    ],
    "house": [
        {"kick": "X...X...X...X...", "snare": "....x.......x...", "openhat": "..x...x...x...x."},
        {
            "kick": "X...X...X...X...",
            "snare": "....x.......x...",
            "hat": "x.x.x.x.x.x.x.x.",
            "openhat": "..x...x...x...x.",
        },
        {
            "kick": "X...X...X...X...",
            "snare": "....x..o....x...",
            "hat": "oxoxoxoxoxoxoxox",
            "openhat": "..x...x...x...x.",
        },
    ],
    "techno": [
        {"kick": "X...X...X...X...", "hat": "xoxoxoxoxoxoxoxo", "openhat": "..x...x...x...x."},
        {
            "kick": "X...X...X...X...",
            "hat": "..x...x...x...x.",
            "ride": "x.x.x.x.x.x.x.x.",
            "snare": "............x...",
        },
        {
            "kick": "X...X...X...X...",
            "lowtom": "..o...o...o..oo.",
            "hat": "xxxxxxxxxxxxxxxx",
            "openhat": "..x...x...x...x.",
        },
    ],
    "hiphop": [
        {"kick": "x.........x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x......x..x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
        {
            "kick": "x.x.......x..x..",
            "snare": "....X.......X...",
            "hat": "x.x.x.x.x.x.x.x.",
            "openhat": "..............x.",
        },
        {"kick": "x..x......x.....", "snare": "....X..o....X...", "hat": "x...x...x...x..."},
    ],
    "reggae": [
        {"kick": "........X.......", "snare": "........X.......", "hat": "x.x.x.x.x.x.x.x."},
        {
            "kick": "........X.......",
            "snare": "........x.......",
            "hat": "..x...x...x...x.",
            "ride": "x...x...x...x...",
        },
        {
            "kick": "x...x...x...x...",
            "snare": "........X.......",
            "hat": "..x...x...x...x.",
            "openhat": "......x.......x.",
        },
    ],
    "bossa": [
        {"kick": "x..xx..xx..xx..x", "snare": "x..x..x...x..x..", "hat": "x.x.x.x.x.x.x.x."},
        {"kick": "x..xx..xx..xx..x", "snare": "x..x...x..x..x..", "ride": "x.x.x.x.x.x.x.x."},
        {"kick": "x..x....x..x....", "snare": "..x..x....x..x..", "hat": "xxxxxxxxxxxxxxxx"},
    ],
    "dnb": [
        {"kick": "x.........xx....", "snare": "....X.......X...", "ride": "x.x.x.x.x.x.x.x."},
        {
            "kick": "x.........x.x...",
            "snare": "....X..o....X...",
            "hat": "x.x.x.x.x.x.x.x.",
            "ride": "x.......x.......",
        },
        {"kick": "x.x.......x.....", "snare": "....X.......X..o", "hat": "xxxxxxxxxxxxxxxx"},
    ],
    "metal": [
        {"kick": "xxxxxxxxxxxxxxxx", "snare": "....X.......X...", "crash": "x...x...x...x..."},
        {"kick": "x.x.x.x.x.x.x.x.", "snare": "....X.......X...", "ride": "x.x.x.x.x.x.x.x."},
        {"kick": "x.x.x.x.x.x.x.x.", "snare": ".x.x.x.x.x.x.x.x", "crash": "x.x.x.x.x.x.x.x."},
    ],
    "afrobeat": [
        {
            "kick": "x.....x...x.....",
            "snare": "..o.x..o..o.x.o.",
            "hat": "xxxxxxxxxxxxxxxx",
            "openhat": "..x.......x.....",
        },
        {
            "kick": "x..x......x..x..",
            "snare": "....x.o.....x.o.",
            "hat": "x.x.x.x.x.x.x.x.",
            "lowtom": "......x.......x.",
            "midtom": "...........x....",
        },
        {
            "kick": "x.....x.x.......",
            "snare": "o..ox..oo..ox..o",
            "openhat": "..x...x...x...x.",
            "hat": "x.o.x.o.x.o.x.o.",
        },
    ],
    "trap": [
        {"kick": "x......x..x.....", "snare": "........X.......", "hat": "xxxxxxxxxxxxxxxx"},
        {
            "kick": "x..x......x..x..",
            "snare": "........X.......",
            "hat": "x.x.x.x.xxxxx.x.",
            "openhat": "..............x.",
        },
        {"kick": "x.......x..x....", "snare": "........X.......", "hat": "x.x.xxx.x.x.xxxx"},
    ],
}

FILLS = (
    {"snare": "xxxx"},
    {"hightom": "xx..", "midtom": "..xx"},
    {"hightom": "x...", "midtom": ".x..", "lowtom": "..xx"},
    {"snare": "x.x.", "lowtom": ".x.x"},
    {"snare": "..xx", "hightom": "x...", "midtom": ".x.."},
)


def _grid(groove: dict[str, str]) -> np.ndarray:
    v = np.zeros((9, 16), np.uint8)
    for name, steps in groove.items():
        v[V[name]] = [SYMBOLS[c] for c in steps]
    return v


def _vary(base: np.ndarray, style: str, rng: random.Random) -> np.ndarray:
    """One variation a drummer might play of a groove."""
    v = base.copy()
    hat, ride, openhat = V["hat"], V["ride"], V["openhat"]
    move = rng.choice(("hats16", "hats4", "ride", "ghosts", "kick", "openhat", "none"))
    if move == "hats16" and v[hat].any():
        v[hat] = np.where(v[hat] > 0, v[hat], SYMBOLS["o"])
        v[hat, v[openhat] > 0] = 0
    elif move == "hats4" and v[hat].any():
        v[hat] = [SYMBOLS["x"] if k % 4 == 0 else 0 for k in range(16)]
    elif move == "ride" and v[hat].any():
        v[ride], v[hat] = v[hat], v[ride]
    elif move == "ghosts" and style not in ("metal", "house", "techno"):
        for k in rng.sample([1, 3, 6, 7, 9, 11, 14, 15], 2):
            if v[V["snare"], k] == 0:
                v[V["snare"], k] = SYMBOLS["o"]
    elif move == "kick" and style not in ("metal", "reggae"):
        free = [k for k in (2, 3, 6, 7, 11, 13, 14) if v[V["kick"], k] == 0]
        if free:
            v[V["kick"], rng.choice(free)] = SYMBOLS["x"]
    elif move == "openhat":
        k = rng.choice((6, 14))
        v[openhat, k] = SYMBOLS["x"]
        v[hat, k] = 0
    if rng.random() < 0.35:
        v[V["crash"], 0] = SYMBOLS["X"]
        v[hat, 0] = v[ride, 0] = 0
    if rng.random() < 0.3:
        fill = rng.choice(FILLS)
        v[:, 12:] = 0
        v[V["kick"], 12] = SYMBOLS["x"] if style != "reggae" else 0
        for name, steps in fill.items():
            v[V[name], 12:] = np.maximum(v[V[name], 12:], [SYMBOLS[c] for c in steps])
    return v


def compose(style: str, seed: int, seen: set[bytes]) -> list[Pattern]:
    """The style's grooves and variations of them, none already in `seen` (which grows)."""
    rng = random.Random(seed)
    grooves = [_grid(g) for g in GROOVES[style]]
    patterns = [Pattern(f"{style}-{k + 1}", style, g) for k, g in enumerate(grooves)]
    assert not {g.tobytes() for g in grooves} & seen, f"{style}: a groove of another style"
    seen |= {g.tobytes() for g in grooves}
    for _ in range(10_000):
        if len(patterns) >= PER_STYLE:
            break
        v = _vary(rng.choice(grooves), style, rng)
        if v.tobytes() not in seen:
            seen.add(v.tobytes())
            patterns.append(Pattern(f"{style}-{len(patterns) + 1}", style, v))
    return patterns


def main(folder: Path | None = None) -> None:
    folder = folder or shipped_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    for k, style in enumerate(GROOVES):
        patterns = compose(style, seed=k, seen=seen)
        text = format_patterns(
            patterns,
            f"{style}: {len(patterns)} one-bar patterns for gesture-mapper's rhythm model.\n"
            "Written for this project (grooves and variations by "
            "mapper/generators/rhythm/compose.py); edit freely.",
        )
        assert len(parse_patterns(text)) == len(patterns)
        (folder / f"{style}.txt").write_text(text, encoding="utf-8")
        print(f"{style}: {len(patterns)} patterns")


if __name__ == "__main__":
    main()
