"""Reading an artist's patterns: text grids (*.txt) and MIDI files (*.mid), one file or a folder."""

from __future__ import annotations

from pathlib import Path

from mapper.generators.base import GeneratorError
from mapper.generators.rhythm.patterns import Pattern, read_pattern_file

TEXT_SUFFIXES = (".txt",)
MIDI_SUFFIXES = (".mid", ".midi")


def read_patterns(path: Path) -> list[Pattern]:
    """Every pattern in a file or in the files of a folder (not recursive), in name order.

    A MIDI file gives one pattern per bar that has hits; its style label is the file's name.
    """
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.suffix.lower() in TEXT_SUFFIXES + MIDI_SUFFIXES
        )
        if not files:
            raise GeneratorError(
                f"{path}: no pattern files here (*.txt text grids or *.mid MIDI files)"
            )
    elif path.is_file():
        files = [path]
    else:
        raise GeneratorError(f"{path}: no such file or folder")
    patterns: list[Pattern] = []
    for f in files:
        if f.suffix.lower() in MIDI_SUFFIXES:
            from mapper.generators.rhythm.midi import read_midi_patterns

            patterns += read_midi_patterns(f)
        elif f.suffix.lower() in TEXT_SUFFIXES:
            patterns += read_pattern_file(f)
        else:
            raise GeneratorError(f"{f}: expected a .txt pattern file or a .mid MIDI file")
    if not patterns:
        raise GeneratorError(f"{path}: holds no patterns")
    return patterns
