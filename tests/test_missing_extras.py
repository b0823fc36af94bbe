"""A missing extra is one line, said before anything is made: no project folder, no port."""

from __future__ import annotations

import subprocess
import sys

# the command line with python-rtmidi switched off, as on a machine without the midi extra
WITHOUT_RTMIDI = (
    "import sys; sys.modules['rtmidi'] = None; from mapper.cli.main import main; "
    "sys.exit(main(sys.argv[1:]))"
)


def run_without_rtmidi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_RTMIDI, *args], capture_output=True, text=True, timeout=60
    )


def test_midi_without_its_extra_says_so_before_making_the_folder(tmp_path):
    folder = tmp_path / "drums"
    done = run_without_rtmidi(
        "headless", str(folder), "--inputs", "2", "--generator", "rhythm", "--midi"
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "pip install 'gesture-mapper[midi]'" in lines[0] and "--midi" in lines[0]
    assert not folder.exists()


def test_the_tui_says_so_before_its_new_project_form(tmp_path):
    folder = tmp_path / "drums"
    done = run_without_rtmidi(str(folder), "--generator", "rhythm", "--midi")
    assert done.returncode != 0
    assert "pip install 'gesture-mapper[midi]'" in done.stderr
    assert not folder.exists()


def test_a_midi_source_without_its_extra_says_so_before_making_the_folder(tmp_path):
    folder = tmp_path / "controller"
    done = run_without_rtmidi("headless", str(folder), "--source", "midi", "--outputs", "1")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'gesture-mapper[midi]'" in lines[0], done.stderr
    assert "--source midi" in lines[0]
    assert not folder.exists()
