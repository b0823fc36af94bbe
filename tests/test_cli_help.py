"""`mapper --help` shows the options a musician needs first (where inputs come from and
outputs go), then the other commands."""

from __future__ import annotations

import subprocess
import sys


def help_text(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mapper", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_mapper_help_shows_listen_send_and_every_command():
    text = help_text("--help")
    for flag in ("PROJECT_DIR", "--listen HOST:PORT", "--send HOST:PORT", "--generator"):
        assert flag in text, flag
    for command in ("headless", "import-wekinator", "export", "generator"):
        assert f"\n  {command} " in text, command
    assert text == help_text("-h")
    assert max(len(line) for line in text.splitlines()) <= 100  # readable in a terminal


def test_mapper_version_still_answers():
    assert help_text("--version").startswith("gesture-mapper ")
