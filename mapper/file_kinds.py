"""What a file is and how big, in words, for the one-line errors of bounded reading (project
folders: mapper.project.reading; model files: mapper.generators.files)."""

from __future__ import annotations

import stat

MiB = 1024 * 1024


def size_text(n: int) -> str:
    """A byte count in words: '3.2 GB', '64 MB', '12 KB'."""
    if n >= 1024 * MiB:
        return f"{n / (1024 * MiB):.1f} GB"
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n // 1024} KB"


def kind_of(mode: int) -> str:
    """What a file is, in words, from its st_mode ('a folder', 'a FIFO (named pipe)', ...)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a file" if stat.S_ISREG(mode) else "not a regular file"
