"""Bookmarks and novelty settings in project folders: project.json schema 4, saved soon after
each change while a project is open, and hostile files named in one line or, for one bad
bookmark (or bookmarks past the values all may hold), a warning and that bookmark skipped."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from mapper.core.bookmarks import MAX_BOOKMARKS, MAX_VALUES, Bookmark
from mapper.core.engine import Engine
from mapper.core.gestures import GestureSet
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import (
    SCHEMA_VERSION,
    Project,
    ProjectError,
    engine_from_project,
    load_project,
    new_project,
    project_from_engine,
    save_project,
)
from mapper.project.change_watch import POLL, QUIET, changes
from mapper.project.curation import SAID
from mapper.project.saver import ProjectSaver
from mapper.project.wekinator_import import read_wekinator

OSC = OSCSettings(listen_port=0, send_port=9)
THEREMIN = Path(__file__).parent / "data" / "wekinator" / "Theremin"
NAMES = ["Glöckchen ♪", "夜の音", "sound 1"]


def outputs() -> list[Output]:
    return [Output("cutoff", min=20.0, max=2000.0), Output("pose", kind="classifier", classes=3)]


def curated() -> Engine:
    engine = Engine(["x", "y"], outputs())
    for name, values in zip(NAMES, ([0.1 + 0.2, 1.0], [1999.9999999999998, 3.0], [20.0, 2.0])):
        engine.set_values(values, send=False)
        engine.keep_bookmark(name)
    engine.set_values([440.0, 2.0], send=False)
    engine.keep_bookmark(NAMES[0])  # kept again: new values, same place
    engine.set_novelty(True)
    engine.set_novelty_hold(2.5)
    return engine


def saved(folder: Path, engine: Engine) -> Project:
    project = project_from_engine(engine, new_project(folder.name, 2, [], OSC))
    save_project(folder, project, engine.examples.snapshot())
    return project


def edit_json(folder: Path, change) -> None:
    path = folder / "project.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def on_disk(folder: Path) -> dict:
    return json.loads((folder / "project.json").read_text())


def wait_for(check, timeout: float = 10.0) -> None:
    """Until `check()` holds: a bound on a loaded machine, not a timing to meet."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if check():
            return
        time.sleep(0.005)
    pytest.fail(f"not done within {timeout} s")


# ---- the round trip ------------------------------------------------------------------------
def test_bookmarks_and_novelty_settings_come_back(tmp_path):
    engine = curated()
    saved(tmp_path, engine)
    project, rows = load_project(tmp_path)
    assert project.warnings == []
    assert project.bookmarks == [
        Bookmark(NAMES[0], (440.0, 2.0)),
        Bookmark(NAMES[1], (1999.9999999999998, 3.0)),  # bit for bit
        Bookmark(NAMES[2], (20.0, 2.0)),
    ]
    assert (project.novelty_send, project.novelty_hold) == (True, 2.5)
    again = engine_from_project(project, rows)
    assert again.bookmarks.items == engine.bookmarks.items
    assert (again.novelty_send, again.novelty_hold) == (True, 2.5)
    again.recall_bookmark(NAMES[1])
    assert again.values == [1999.9999999999998, 3.0]


def test_project_json_holds_the_settings_and_one_bookmark_a_line(tmp_path):
    saved(tmp_path, curated())
    text = (tmp_path / "project.json").read_text()
    doc = json.loads(text)
    assert doc["schema"] == SCHEMA_VERSION == 4
    assert doc["novelty"] == {"send": True, "hold": 2.5}
    assert doc["bookmarks"][1] == {"name": NAMES[1], "values": [1999.9999999999998, 3.0]}
    lines = text.splitlines()
    start = lines.index('  "bookmarks": [')
    assert lines[start + 1 : start + 5] == [
        '    {"name": "Gl\\u00f6ckchen \\u266a", "values": [440.0, 2.0]},',
        '    {"name": "\\u591c\\u306e\\u97f3", "values": [1999.9999999999998, 3.0]},',
        '    {"name": "sound 1", "values": [20.0, 2.0]}',
        "  ]",
    ]
    assert lines[-1] == "}"


def test_no_bookmarks_and_defaults_are_written_too(tmp_path):
    saved(tmp_path, Engine(["x"], [Output("level")]))
    doc = on_disk(tmp_path)
    assert doc["bookmarks"] == [] and doc["novelty"] == {"send": False, "hold": 0.0}
    project, _ = load_project(tmp_path)
    assert (project.bookmarks, project.novelty_send, project.novelty_hold) == ([], False, 0.0)


def test_a_full_list_of_bookmarks_of_many_outputs_opens_again(tmp_path):
    many = [Output(f"o{j}", min=-1e300, max=1e300) for j in range(64)]
    engine = Engine(["x"], many)
    for k in range(MAX_BOOKMARKS):  # values at their longest: -1.2345678901234567e-300
        engine.set_values([-1.2345678901234567e-300 * (j + k + 1) for j in range(64)], False)
        engine.keep_bookmark()
    saved(tmp_path, engine)
    project, _ = load_project(tmp_path)
    assert project.bookmarks == list(engine.bookmarks.items)


def test_a_schema_3_project_opens_with_defaults_and_saves_as_4(tmp_path):
    saved(tmp_path, curated())
    edit_json(tmp_path, lambda d: (d.pop("novelty"), d.pop("bookmarks"), d.update(schema=3)))
    project, rows = load_project(tmp_path)
    assert (project.bookmarks, project.novelty_send, project.novelty_hold) == ([], False, 0.0)
    assert project.warnings == []
    save_project(tmp_path, project, rows)
    doc = on_disk(tmp_path)
    assert doc["schema"] == 4
    assert doc["bookmarks"] == [] and doc["novelty"] == {"send": False, "hold": 0.0}


def test_a_schema_1_project_migrates_through_to_4(tmp_path):
    saved(tmp_path, curated())
    old = ("saved", "gesture_sets", "dtw_progress", "novelty", "bookmarks")
    edit_json(tmp_path, lambda d: ([d.pop(k) for k in old], d.update(schema=1)))
    project, _ = load_project(tmp_path)
    assert project.bookmarks == [] and project.novelty_hold == 0.0


def test_a_newer_schema_is_refused(tmp_path):
    saved(tmp_path, curated())
    edit_json(tmp_path, lambda d: d.update(schema=5))
    with pytest.raises(ProjectError, match=r"schema version 5 is newer .* \(4\); upgrade"):
        load_project(tmp_path)


def test_a_wekinator_import_has_no_bookmarks_and_novelty_off():
    project = read_wekinator(THEREMIN).project
    assert (project.bookmarks, project.novelty_send, project.novelty_hold) == ([], False, 0.0)


# ---- what refuses the whole file ------------------------------------------------------------
def novelty(**fields):
    return lambda d: d["novelty"].update(fields)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(novelty=True), r"'novelty' must be an object"),
        (lambda d: d.update(novelty=[False, 0.0]), r"'novelty' must be an object"),
        (novelty(send="yes"), r"novelty\.send: must be true or false, not 'yes'"),
        (novelty(send=1), r"novelty\.send: must be true or false, not 1"),
        (novelty(hold="2"), r"novelty\.hold: must be a novelty from 0 \(off\) to 100, not '2'"),
        (novelty(hold=True), r"novelty\.hold: must be a novelty from 0"),
        (novelty(hold=-0.5), r"novelty\.hold: .* not -0\.5"),
        (novelty(hold=100.5), r"novelty\.hold: .* not 100\.5"),
        (novelty(hold=10**400), r"novelty\.hold: .* not 1000000.*\(401 chars\)"),
        (novelty(colour="red"), r"novelty\.colour: unknown field; the fields are: send, hold"),
        (lambda d: d.update(bookmarks={"name": "x"}), r"'bookmarks' must be a list"),
        (lambda d: d.update(bookmarks="sound 1"), r"'bookmarks' must be a list"),
        (
            lambda d: d.update(bookmarks=[{"name": "x", "values": [1, 1]}] * 1001),
            r"bookmarks: 1,001 bookmarks, more than the 1,000 a project may hold",
        ),
        (
            lambda d: d.update(bookmarks=[None] * 200_000),
            r"bookmarks: 200,000 bookmarks, more than the 1,000",
        ),
    ],
)
def test_settings_that_cannot_work_are_named_in_one_line(tmp_path, change, message):
    saved(tmp_path, curated())
    edit_json(tmp_path, change)
    with pytest.raises(ProjectError, match=message) as caught:
        load_project(tmp_path)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(str(tmp_path / "project.json"))


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_json_cannot_hold_is_the_files_error_naming_the_value(tmp_path, literal):
    saved(tmp_path, curated())
    path = tmp_path / "project.json"
    path.write_text(path.read_text().replace("[440.0, 2.0]", f"[440.0, {literal}]"))
    with pytest.raises(ProjectError, match=r"bookmarks\[0\]\.values\[1\]: .* not a finite"):
        load_project(tmp_path)


@pytest.mark.parametrize(("field", "value"), [("send", None), ("hold", None)])
def test_a_null_novelty_setting_is_its_default(tmp_path, field, value):
    saved(tmp_path, curated())
    edit_json(tmp_path, novelty(**{field: value}))
    project, _ = load_project(tmp_path)
    assert project.novelty_send is (field != "send")
    assert project.novelty_hold == (2.5 if field == "send" else 0.0)
    assert project.warnings == []


# ---- one bad bookmark: a warning, and the rest open ------------------------------------------
def second(**fields):
    return lambda d: d["bookmarks"][1].update(fields)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (second(values=["NaN", 3.0]), r"\('夜の音'\): values\[0\]: 'NaN' is not a finite number"),
        (second(values=[1.0, "Infinity"]), r"values\[1\]: 'Infinity' is not a finite number"),
        (second(values=[1.0, None]), r"values\[1\]: None is not a finite number"),
        (second(values=[True, 1.0]), r"values\[0\]: True is not a finite number"),
        (second(values=[10**400, 1.0]), r"values\[0\]: 1000.*\(401 chars\) is not a finite"),
        (second(values=[1.0]), r"values: must list one number per output \(2\), not 1 values"),
        (second(values=[1.0] * 100_000), r"one number per output \(2\), not 100000 values"),
        (second(values="1, 2"), r"values: must list one number per output \(2\), not '1, 2'"),
        (second(name=7), r"bookmarks\[1\]: name: must be a string, not 7"),
        (second(name=NAMES[0]), r"\('Glöckchen ♪'\): 'Glöckchen ♪' names an earlier bookmark too"),
        (second(name=" Glöckchen ♪ "), r"'Glöckchen ♪' names an earlier bookmark too"),
        (lambda d: d["bookmarks"][1].pop("values"), r"bookmarks\[1\] .*missing field 'values'"),
        (lambda d: d["bookmarks"].__setitem__(1, "sound"), r"must be an object .*, not 'sound'"),
        (lambda d: d["bookmarks"].__setitem__(1, [1, 2]), r"must be an object .*, not \[1, 2\]"),
    ],
)
def test_a_bookmark_that_cannot_work_is_skipped_and_said(tmp_path, change, message):
    saved(tmp_path, curated())
    edit_json(tmp_path, change)
    project, rows = load_project(tmp_path)
    assert [b.name for b in project.bookmarks] == [NAMES[0], NAMES[2]]
    (warning,) = project.warnings
    assert warning.startswith(f"{tmp_path / 'project.json'}: bookmarks[1]")
    assert warning.endswith(": skipped; the next save leaves it out")
    assert "\n" not in warning
    assert re.search(message, warning), warning
    save_project(tmp_path, project, rows)  # the repair is kept
    assert [b["name"] for b in on_disk(tmp_path)["bookmarks"]] == [NAMES[0], NAMES[2]]
    assert load_project(tmp_path)[0].warnings == []


@pytest.mark.parametrize(
    ("name", "renamed", "message"),
    [
        ("", "sound 2", r"bookmarks\[1\]\.name: a name cannot be empty: renamed 'sound 2'"),
        ("a\x07b", "a b", r"bookmarks\[1\]\.name: .*U\+0007.*: renamed 'a b'"),
        ("x" * 150, "x" * 100, r"bookmarks\[1\]\.name: a name of 150 characters is too long"),
        ("sound 1\x00", "sound 2", r"control character U\+0000.*: renamed 'sound 2'"),
    ],
)
def test_a_bookmark_with_a_bad_name_is_renamed_and_said(tmp_path, name, renamed, message):
    saved(tmp_path, curated())
    edit_json(tmp_path, second(name=name))
    project, _ = load_project(tmp_path)
    assert [b.name for b in project.bookmarks] == [NAMES[0], renamed, NAMES[2]]
    assert project.bookmarks[1].values == (1999.9999999999998, 3.0)  # nothing lost
    (warning,) = project.warnings
    assert re.search(message, warning) and "\n" not in warning, warning


def test_two_bookmarks_with_empty_names_get_two_free_names(tmp_path):
    saved(tmp_path, curated())
    edit_json(tmp_path, lambda d: [b.update(name="") for b in d["bookmarks"][:2]])
    project, _ = load_project(tmp_path)
    assert [b.name for b in project.bookmarks] == ["sound 2", "sound 3", "sound 1"]
    assert len(project.warnings) == 2


def test_an_unknown_field_of_a_bookmark_is_left_out_and_said(tmp_path):
    saved(tmp_path, curated())
    edit_json(tmp_path, second(colour="red"))
    project, _ = load_project(tmp_path)
    assert len(project.bookmarks) == 3
    assert project.warnings == [
        f"{tmp_path / 'project.json'}: bookmarks[1].colour: unknown field, left out (the "
        "fields are: name, values)"
    ]


def test_a_thousand_bad_bookmarks_are_said_in_a_few_lines(tmp_path):
    saved(tmp_path, curated())
    edit_json(
        tmp_path,
        lambda d: d.update(bookmarks=[{"name": f"b{k}", "values": [1]} for k in range(1000)]),
    )
    project, _ = load_project(tmp_path)
    assert project.bookmarks == []
    assert len(project.warnings) == SAID + 1
    assert project.warnings[-1] == (
        f"{tmp_path / 'project.json'}: bookmarks: {1000 - SAID} more skipped, the last: "
        "bookmarks[999] ('b999'): values: must list one number per output (2), not 1 values: "
        "skipped; the next save leaves it out"
    )


def test_bookmarks_past_the_values_all_may_hold_are_skipped_and_said(tmp_path):
    wide = [Output(f"o{j}") for j in range(128)]
    fit = MAX_VALUES // len(wide)  # 781 bookmarks of 128 outputs
    assert fit == 781 and fit < MAX_BOOKMARKS  # the values' bound, not the bookmarks'
    saved(tmp_path, Engine(["x"], wide))
    marks = [{"name": f"b{k}", "values": [k / 1000] * len(wide)} for k in range(fit + 19)]
    marks[3] = {"name": "bad", "values": [1.0]}  # a skipped bookmark holds no values
    edit_json(tmp_path, lambda d: d.update(bookmarks=marks))
    project, rows = load_project(tmp_path)
    path = tmp_path / "project.json"
    kept = [m["name"] for m in marks[:3] + marks[4 : fit + 1]]
    assert [b.name for b in project.bookmarks] == kept and len(kept) == fit
    assert project.bookmarks[-1].values == (fit / 1000,) * len(wide)
    assert len(project.warnings) == 2
    assert project.warnings[0].startswith(f"{path}: bookmarks[3] ('bad'): values: must list")
    assert project.warnings[1] == (
        f"{path}: bookmarks: 18 from bookmarks[{fit + 1}] on skipped: 781 bookmarks of 128 "
        "outputs hold as many values as bookmarks may (100,000 in all); the next save leaves "
        "them out"
    )
    engine = engine_from_project(project, rows)  # the project opens
    assert [b.name for b in engine.bookmarks.items] == kept
    save_project(tmp_path, project_from_engine(engine, project), rows)
    again, _ = load_project(tmp_path)
    assert [b.name for b in again.bookmarks] == kept and again.warnings == []


def test_a_bookmark_in_a_project_without_outputs_is_skipped(tmp_path):
    engine = Engine(["x", "y"], [], [GestureSet("hands", 2)])
    saved(tmp_path, engine)
    edit_json(tmp_path, lambda d: d.update(bookmarks=[{"name": "empty", "values": []}]))
    project, _ = load_project(tmp_path)
    assert project.bookmarks == []
    assert project.warnings == [
        f"{tmp_path / 'project.json'}: bookmarks[0] ('empty'): the project has no outputs to "
        "bookmark: skipped; the next save leaves it out"
    ]


# ---- saved while the project is open ------------------------------------------------------------
def open_saver(folder: Path) -> tuple[Engine, ProjectSaver]:
    engine = Engine(["x", "y"], outputs())  # no gesture sets: the watch runs all the same
    saver = ProjectSaver(folder, engine, new_project(folder.name, 2, outputs(), OSC))
    saver.start()
    return engine, saver


def test_a_kept_bookmark_and_novelty_settings_reach_project_json_while_open(tmp_path):
    folder = tmp_path / "live"
    engine, saver = open_saver(folder)
    try:
        engine.set_values([880.0, 3.0], send=False)
        engine.keep_bookmark("bright ✨")
        names = lambda: [b["name"] for b in on_disk(folder)["bookmarks"]]  # noqa: E731
        wait_for(lambda: names() == ["bright ✨"])
        assert on_disk(folder)["bookmarks"][0]["values"] == [880.0, 3.0]
        engine.keep_bookmark()
        wait_for(lambda: names() == ["bright ✨", "sound 1"])
        engine.delete_bookmark("bright ✨")
        wait_for(lambda: names() == ["sound 1"])
        engine.set_novelty_hold(7.5)
        wait_for(lambda: on_disk(folder)["novelty"]["hold"] == 7.5)
        engine.set_novelty(True)
        wait_for(lambda: on_disk(folder)["novelty"]["send"] is True)
    finally:
        saver.stop()
    project, _ = load_project(folder)
    assert [b.name for b in project.bookmarks] == ["sound 1"]
    assert (project.novelty_send, project.novelty_hold) == (True, 7.5)


def test_stopping_the_saver_saves_a_bookmark_not_yet_on_disk(tmp_path):
    engine, saver = open_saver(tmp_path)
    engine.keep_bookmark("last")
    saver.stop()  # at once: the watch may not have seen it yet
    assert [b.name for b in load_project(tmp_path)[0].bookmarks] == ["last"]
    engine.keep_bookmark("after")  # after stop: nothing watches
    time.sleep(0.2)
    assert [b.name for b in load_project(tmp_path)[0].bookmarks] == ["last"]


def test_an_unchanged_project_is_not_saved_again(tmp_path):
    engine, saver = open_saver(tmp_path)
    asked: list[float] = []  # when the watch asked for a save
    save = saver.watch.save

    def counted() -> object:
        asked.append(time.monotonic())
        return save()

    saver.watch.save = counted
    path = tmp_path / "project.json"

    def file() -> tuple[int, int]:  # a save replaces the file: a new inode
        return path.stat().st_ino, path.stat().st_mtime_ns

    settle = QUIET + 6 * POLL  # six looks of the watch after changes would pause
    try:
        before = file()
        time.sleep(settle)
        assert asked == [] and file() == before  # nothing to save
        engine.keep_bookmark("alive")  # the watch is alive: it saves a change...
        wait_for(lambda: [b["name"] for b in on_disk(tmp_path)["bookmarks"]] == ["alive"])
        wait_for(lambda: saver.changes_saved == changes(engine))
        saves, after = len(asked), file()
        assert saves >= 1 and after != before
        time.sleep(settle)  # ... and, that change on disk, asks for no other save
        assert len(asked) == saves and file() == after
    finally:
        saver.stop()
