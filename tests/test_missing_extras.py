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


def test_a_project_whose_own_midi_source_cannot_open_opens_and_says_why(tmp_path):
    """A project saved listening to a MIDI controller, opened where python-rtmidi is not
    installed: it opens (headless says so, then stops, as for a generator that cannot play:
    not the run asked for; the terminal UI plays on), and says what to install. Only a
    --source named on the command line is refused before anything opens."""
    import json

    from mapper.core.examples import ExampleStore
    from mapper.core.outputs import make_outputs
    from mapper.osc.settings import OSCSettings
    from mapper.project import PROJECT_FILE, Project, save_project

    folder = tmp_path / "controller"
    project = Project("controller", ["cc-1"], make_outputs(1), OSCSettings(listen_port=0))
    save_project(folder, project, ExampleStore(1, 1).snapshot())
    doc = json.loads((folder / PROJECT_FILE).read_text())
    doc["source"] = {"type": "midi"}
    (folder / PROJECT_FILE).write_text(json.dumps(doc))
    done = run_without_rtmidi("headless", str(folder), "--listen", "127.0.0.1:0")
    assert done.returncode == 1
    assert "listening on 127.0.0.1:" in done.stdout  # it opened
    assert "pip install 'gesture-mapper[midi]'" in done.stderr
