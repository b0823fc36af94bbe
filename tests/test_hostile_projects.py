"""Nothing lost, nobody in (issue 14): a project always opens again, and a hostile one is a
one-line error, never a traceback, a hang or a runaway read.

Real files in tmp_path, real FIFOs, sockets and links to /dev/zero; loads that could hang or
eat memory run in a child process with a time and an address-space limit, so a regression
fails here instead of hanging the suite or the machine.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mapper.cli.main import build_parser
from mapper.cli.parse import headless_options
from mapper.core.engine import Engine
from mapper.core.outputs import MAX_CLASSES, MAX_NAME, Output
from mapper.errors import EngineError
from mapper.osc.settings import OSCSettings
from mapper.project import (
    Project,
    ProjectError,
    holds_project,
    load_project,
    project_from_engine,
    save_project,
)
from mapper.project.reading import EXAMPLES_LIMIT, LINE_LIMIT
from mapper.session.factory import open_instrument
from mapper.session.opening import find_project
from mapper.session.options import NetworkOptions

from .conftest import Receiver
from .peers import LineReader

ROOT = Path(__file__).resolve().parents[1]
CHILD_MEMORY = 2 * 1024**3  # bytes of address space for a child that loads a project


# ---- a project on disk ------------------------------------------------------------------------
def recorded_engine() -> Engine:
    outputs = [
        Output("cutoff", min=0.0, max=1.0, model={"type": "knn", "k": 1}),
        Output("pose", kind="classifier", classes=3),
    ]
    engine = Engine(["tilt", "roll"], outputs)
    engine.set_values([0.8, 2.0])
    engine.start_recording()
    for x in (0.1, 0.2, 0.3):
        engine.process_frame([x, x])
    engine.stop_recording()
    return engine


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A saved project: 2 inputs, a continuous and a classifier output, 3 examples at 0.8."""
    folder = tmp_path / "song"
    engine = recorded_engine()
    project = project_from_engine(engine, Project("song", [], [], OSCSettings()))
    save_project(folder, project, engine.examples.snapshot())
    return folder


def edit_json(folder: Path, change: Callable[[dict[str, Any]], object]) -> None:
    doc = json.loads((folder / "project.json").read_text())
    change(doc)
    (folder / "project.json").write_text(json.dumps(doc, indent=2))


def edit_text(folder: Path, old: str, new: str) -> None:
    path = folder / "project.json"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def edit_line(folder: Path, line: int, text: str) -> None:
    lines = (folder / "examples.csv").read_text().splitlines()
    lines[line - 1] = text
    (folder / "examples.csv").write_text("\n".join(lines) + "\n")


def load_error(folder: Path) -> str:
    with pytest.raises(ProjectError) as caught:
        load_project(folder)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message


LOAD = """
import sys
from pathlib import Path
from mapper.project import ProjectError, load_project
try:
    project, rows = load_project(Path(sys.argv[1]))
except ProjectError as e:
    print(e)
    sys.exit(1)
print(f"loaded {len(rows)} examples")
"""


def load_in_child(folder: Path, timeout: float = 30.0) -> str:
    """load_project in a child with CHILD_MEMORY of address space and `timeout` seconds: its
    one line of output. A hang or a runaway read fails the test, never the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))

    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", LOAD, str(folder)],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=limit,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading {folder} did not end within {timeout} s (a hang)")
    assert "Traceback" not in done.stderr, done.stderr
    assert time.monotonic() - start < timeout
    return done.stdout.strip()


# ---- project.json: one line naming the file and the field -------------------------------------
DIGITS_5000 = "1" * 5000


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda f: edit_text(f, '"min": 0.0', f'"min": {DIGITS_5000}'), "a number of 5000 digits"),
        (lambda f: edit_json(f, lambda d: d["transport"].update(bogus=1)), "transport.bogus"),
        (lambda f: edit_text(f, '"count_in": 0.0', '"count_in": NaN'), "transport.count_in"),
        (lambda f: edit_text(f, '"smoothing": 0.0', '"smoothing": 1e308'), "transport.smoothing"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(input_address=5)), "osc.input_address"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(listen_port=70000)), "osc.listen_port"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(listen_port=-1)), "osc.listen_port"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(send_port="x")), "osc.send_port"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(send_port=True)), "osc.send_port"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(send_host="")), "osc.send_host"),
        (lambda f: edit_json(f, lambda d: d["osc"].update(bogus=1)), "osc.bogus"),
        (lambda f: edit_json(f, lambda d: d["outputs"][0].update(inputs=[0.5])), "[0].inputs"),
        (lambda f: edit_json(f, lambda d: d["outputs"][0].update(inputs=[])), "outputs[0].inputs"),
        (lambda f: edit_text(f, '"max": 1.0', '"max": 1e999'), "outputs[0].max: inf is not"),
        (lambda f: edit_json(f, lambda d: d.update(generator={"bpm": math.nan})), "generator.bpm"),
        (lambda f: edit_text(f, '"min": 0.0', f'"min": -{"9" * 400}'), "min is too large"),
        (lambda f: edit_json(f, lambda d: d.update(inputs=["tilt", "roll"])), "'inputs' must be"),
        (lambda f: edit_json(f, lambda d: d.update(name=["x"])), "'name' must be a string"),
    ],
)
def test_a_hostile_project_json_is_one_line_naming_the_field(saved, breakage, expected):
    breakage(saved)
    message = load_error(saved)
    assert "project.json" in message and expected in message


def test_json_nested_beyond_reason_is_a_clean_error(saved):
    edit_json(saved, lambda d: d.update(generator={"type": "rhythm"}))
    text = (saved / "project.json").read_text().rstrip()
    deep = "[" * 100_000 + "]" * 100_000  # a RecursionError in the JSON parser
    (saved / "project.json").write_text(text[:-1] + f', "x": {deep}}}')
    assert "nested too deeply" in load_error(saved)
    (saved / "project.json").write_text(text)
    nested: Any = []
    for _ in range(100):  # parses, but no project nests this deep
        nested = [nested]
    edit_json(saved, lambda d: d.update(generator={"type": "rhythm", "x": nested}))
    assert "nested more than 64 levels" in load_error(saved)


# ---- examples.csv: bounded numbers ------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1" * 31 + ",2026-01-01T00:00:00+00:00,0.1,0.1,0.5,1", "line 2: round is"),
        ("1e30,2026-01-01T00:00:00+00:00,0.1,0.1,0.5,1", "line 2: round is"),
        (DIGITS_5000 + ",2026-01-01T00:00:00+00:00,0.1,0.1,0.5,1", "line 2: round is"),
        ("1,2026-01-01T00:00:00+00:00," + DIGITS_5000 + ",0.1,0.5,1", "line 2: input 1 is"),
        ("1,2026-01-01T00:00:00+00:00,0.1,0.1," + DIGITS_5000 + ",1", "line 2: output 'cutoff'"),
    ],
    ids=["round-31-digits", "round-1e30", "round-5000-digits", "input-5000", "output-5000"],
)
def test_huge_numbers_in_examples_csv_are_short_one_line_errors(saved, line, expected):
    edit_line(saved, 2, line)
    message = load_error(saved)
    assert "examples.csv" in message and expected in message
    assert "set_int_max_str_digits" not in message and len(message) < 300


# ---- bounded reading: FIFOs, devices, sockets, endless lines ----------------------------------
@pytest.mark.parametrize("name", ["project.json", "examples.csv", "journal.csv"])
def test_a_link_to_dev_zero_is_refused_at_once(saved, name):
    (saved / name).unlink(missing_ok=True)
    (saved / name).symlink_to("/dev/zero")
    out = load_in_child(saved, timeout=30)
    assert out.startswith(str(saved / name)) and "is a device, not a regular file" in out


@pytest.mark.parametrize("name", ["project.json", "examples.csv", "journal.csv"])
def test_a_fifo_is_refused_without_hanging(saved, name):
    (saved / name).unlink(missing_ok=True)
    os.mkfifo(saved / name)
    out = load_in_child(saved, timeout=30)
    assert "is a FIFO (named pipe), not a regular file" in out


def test_a_socket_is_refused(tmp_path):
    folder = tmp_path / "s"
    engine = recorded_engine()
    save_project(folder, project_from_engine(engine, Project("s", [], [], OSCSettings())),
                 engine.examples.snapshot())  # fmt: skip
    (folder / "examples.csv").unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(folder / "examples.csv"))
        assert "examples.csv is a socket, not a regular file" in load_error(folder)
    finally:
        sock.close()


def test_a_file_bigger_than_the_limit_is_refused_before_it_is_read(saved):
    with open(saved / "examples.csv", "r+b") as f:
        f.truncate(EXAMPLES_LIMIT + 1)  # sparse: no disk, no time
    out = load_in_child(saved, timeout=30)
    assert "examples.csv: 384 MB is more than the 384 MB this file may hold" in out


def test_a_line_that_never_ends_is_refused_in_bounded_memory(saved):
    with open(saved / "examples.csv", "a") as f:
        f.write("1,2026-01-01T00:00:00+00:00," + "0" * (LINE_LIMIT * 3))
    out = load_in_child(saved, timeout=30)
    assert "examples.csv: line 5 is longer than 1 MB (does the file end its lines?)" in out


def test_a_device_is_not_called_a_folder():
    zero = Path("/dev/zero")
    with pytest.raises(ProjectError, match=r"^/dev/zero is a device, not a project folder$"):
        holds_project(zero)
    with pytest.raises(ProjectError, match=r"^/dev/zero is a device, not a project folder$"):
        load_project(zero)


def test_fifty_thousand_examples_of_63_inputs_fit_the_limits_with_room_to_spare():
    widest = repr(-1.2345678901234567e-300)  # the longest a number is written
    row = ",".join(["12345", "2026-01-01T00:00:00.000000+00:00", *[widest] * (63 + 8)])
    assert len(row) < LINE_LIMIT / 100
    assert 50_000 * (len(row) + 1) < EXAMPLES_LIMIT / 2


# ---- hard limits: refused when set, repaired when loaded --------------------------------------
def test_hard_limits_with_examples_outside_are_refused_saying_how_many():
    engine = recorded_engine()
    with pytest.raises(EngineError, match=r"cutoff: 3 recorded examples lie outside \[0, 0.5\]"):
        engine.set_limits(0, 0.0, 0.5, hard=True)
    assert (engine.outputs[0].max, engine.outputs[0].hard_limits) == (1.0, False)
    engine.set_limits(0, 0.0, 0.5)  # soft limits: the examples stay as they are
    engine.set_limits(0, 0.0, 1.0, hard=True)
    with pytest.raises(EngineError, match="3 recorded examples lie outside"):
        engine.set_limits(0, 0.0, 0.5)  # already hard


def test_set_limits_over_osc_never_makes_a_project_that_does_not_open(make_rig, tmp_path):
    rig = make_rig(n_inputs=1, outputs=[Output("cutoff", model={"type": "knn", "k": 1})])
    rig.record([0.8], [[0.1], [0.2]])
    rig.send("/mapper/control/setLimits", 1, 0.0, 0.5, 1)
    rig.sync()
    assert "2 recorded examples lie outside" in rig.engine.counters.last_control_error
    project = project_from_engine(rig.engine, Project("x", [], [], OSCSettings()))
    save_project(tmp_path / "x", project, rig.engine.examples.snapshot())
    reopened, rows = load_project(tmp_path / "x")
    assert rows.outputs[:, 0].tolist() == pytest.approx([0.8, 0.8])  # as recorded
    assert reopened.warnings == [] and not reopened.outputs[0].hard_limits


def clamp_case(saved: Path) -> None:
    """An old file: hard limits [0, 0.5] with examples recorded at 0.8."""
    edit_json(saved, lambda d: d["outputs"][0].update(max=0.5, hard_limits=True))


def test_an_old_project_with_examples_outside_hard_limits_opens_clamped_with_a_warning(saved):
    clamp_case(saved)
    project, rows = load_project(saved)
    assert rows.outputs[:, 0].tolist() == [0.5, 0.5, 0.5]
    assert project.warnings == [
        f"{saved / 'examples.csv'}: cutoff: 3 examples (the first on line 2) outside its hard "
        "limits [0, 0.5] (from 0.8 to 0.8): clamped to them"
    ]


def test_mapper_export_works_on_such_a_project_and_warns(saved, tmp_path):
    clamp_case(saved)
    out = tmp_path / "data.csv"
    done = subprocess.run(
        [sys.executable, "-m", "mapper", "export", str(saved), str(out)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "outside its hard limits [0, 0.5]" in done.stderr and "Traceback" not in done.stderr
    assert out.read_text().splitlines()[1].split(",")[4] == "0.5"


def test_the_instrument_reports_what_loading_repaired(saved, receiver: Receiver):
    clamp_case(saved)
    argv = ["headless", str(saved), "--listen", "127.0.0.1:0", "--send", f":{receiver.port}"]
    options = headless_options(build_parser().parse_args(argv))
    instrument = open_instrument(options, find_project(options))
    try:
        assert any("clamped to them" in w for w in instrument.warnings)
    finally:
        instrument.session.close()


def test_values_that_no_longer_fit_are_reset_with_a_warning(saved):
    edit_json(saved, lambda d: d.update(values=[0.8, 9.0]))
    project, _ = load_project(saved)
    assert project.values == [0.8, 1.0]
    assert any("values[1]: pose: class must be a whole number 0..3" in w for w in project.warnings)


# ---- names and classes ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad",
    ["a\nb", "bell\x07", "\x1b[31mred", "rtl\u202eevil", "", "x" * (MAX_NAME + 1)],
    ids=["newline", "bell", "escape", "bidi-override", "empty", "too-long"],
)
def test_names_with_control_characters_or_absurd_lengths_are_refused(bad):
    engine = recorded_engine()
    with pytest.raises(EngineError, match=r"^input 2: "):
        engine.set_input_names(["tilt", bad])
    with pytest.raises(EngineError, match=r"^output 1: "):
        engine.set_output_names([bad, "pose"])
    assert engine.input_names == ["tilt", "roll"]
    assert [o.name for o in engine.outputs] == ["cutoff", "pose"]
    engine.set_input_names(["=HYPERLINK(x)", "ü 🎛"])  # text is text: the CSV export quotes it


def test_set_input_names_over_osc_refuses_a_control_character(make_rig):
    rig = make_rig(n_inputs=2)
    rig.control("setInputNames", "tilt", "ro\x07ll")
    rig.sync()
    assert rig.engine.input_names == ["inputs-1", "inputs-2"]
    assert "input 2:" in rig.engine.counters.last_control_error


def test_an_old_project_with_control_characters_in_names_opens_renamed(saved):
    edit_json(saved, lambda d: d["inputs"].update(names=["tilt", "ro\x1b[2Jll"]))
    edit_json(saved, lambda d: d["outputs"][1].update(name="po\nse"))
    project, rows = load_project(saved)
    assert project.input_names == ["tilt", "ro [2Jll"]
    assert project.outputs[1].name == "po se"
    assert len(rows) == 3 and len(project.warnings) == 2
    assert (
        "inputs.names[1]: " in project.warnings[0] and "renamed 'ro [2Jll'" in (project.warnings[0])
    )


def test_classes_are_bounded_when_set_and_when_loaded(saved):
    engine = recorded_engine()
    with pytest.raises(EngineError, match="too many"):
        engine.set_classes(1, MAX_CLASSES + 1)
    edit_json(saved, lambda d: d["outputs"][1].update(classes=10**9))
    project, _ = load_project(saved)
    assert project.outputs[1].classes == MAX_CLASSES
    assert any("outputs[1].classes" in w for w in project.warnings)


# ---- OSC settings -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("listen_port", 65536),
        ("listen_port", -1),
        ("listen_port", "6448"),
        ("listen_port", True),
        ("send_port", 1.5),
        ("listen_host", 5),
        ("listen_host", ""),
        ("send_host", "a b"),
        ("send_host", "h" * 300),
        ("input_address", 5),
        ("input_address", "wek/inputs"),
        ("output_address", "/wek/out puts"),
        ("output_address", "/wek\x00"),
    ],
    ids=lambda v: repr(v)[:16],
)
def test_osc_settings_refuse_what_cannot_work_naming_the_field(field, value):
    with pytest.raises(ValueError) as caught:
        OSCSettings(**{field: value})
    assert str(caught.value).startswith(field)


def test_a_project_listens_beyond_this_machine_only_when_the_command_line_says_so():
    saved = OSCSettings(listen_host="0.0.0.0", listen_port=7000)
    plain = NetworkOptions()
    assert plain.apply(saved).listen == "127.0.0.1:7000"
    assert saved.listen_host == "0.0.0.0"  # the project keeps its own
    (warning,) = plain.warnings(saved)
    assert "--listen 0.0.0.0:7000" in warning
    asked = NetworkOptions(listen=("0.0.0.0", 7001))
    assert asked.apply(saved).listen == "0.0.0.0:7001" and asked.warnings(saved) == []
    assert plain.warnings(OSCSettings(listen_host="localhost")) == []


# ---- `mapper headless`, a real process ---------------------------------------------------------
def run_headless(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mapper", "headless", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        cwd=ROOT,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["osc"].update(listen_port=70000), "osc.listen_port"),
        (lambda d: d["transport"].update(count_in=float("nan")), "transport.count_in"),
        (lambda d: d["osc"].update(input_address=5), "osc.input_address"),
    ],
)
def test_headless_refuses_a_hostile_project_in_one_line(saved, processes, change, field):
    edit_json(saved, change)
    proc = run_headless(str(saved), "--listen", "127.0.0.1:0", "--send", "127.0.0.1:9")
    processes.append(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"mapper: {saved / 'project.json'}: ") and field in line


def test_headless_keeps_a_project_listening_on_every_interface_to_this_machine(
    saved, processes, receiver: Receiver
):
    edit_json(saved, lambda d: d["osc"].update(listen_host="0.0.0.0", listen_port=0))
    proc = run_headless(str(saved), "--send", f"127.0.0.1:{receiver.port}")
    processes.append(proc)
    assert proc.stdout is not None
    reader = LineReader(proc.stdout)
    line, _ = reader.until(lambda line: "listening on" in line, timeout=30)
    assert line is not None and line.startswith("listening on 127.0.0.1:"), reader.lines
    warned, _ = reader.until(lambda line: "--listen 0.0.0.0:0" in line, timeout=10)
    assert warned is not None, reader.lines
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert proc.returncode == 0
    assert json.loads((saved / "project.json").read_text())["osc"]["listen_host"] == "0.0.0.0"


def test_journal_rows_are_repaired_like_examples(saved):
    """A journal from an older mapper (or a restored round) may hold what set_limits now
    refuses: it is clamped too, and the project opens."""
    clamp_case(saved)
    doc = json.loads((saved / "project.json").read_text())
    (saved / "examples.csv").write_text("round,time,tilt,roll,cutoff,pose\n")
    (saved / "journal.csv").write_text(
        f"# gesture-mapper journal; base={doc['saved']}; mode=append\n"
        "round,time,tilt,roll,cutoff,pose\n"
        "1,2026-01-01T00:00:00+00:00,0.1,0.1,0.9,\n"
    )
    project, rows = load_project(saved)
    assert project.recovered == 1 and rows.outputs[:, 0].tolist() == [0.5]
    assert np.isnan(rows.outputs[0, 1])
    assert "journal.csv: cutoff: 1 example (the first on line 3)" in project.warnings[0]
