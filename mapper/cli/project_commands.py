"""`mapper import-wekinator` and `mapper export`: project files in and out, with clear errors.

Both exit 0 on success, 1 when a file cannot be read or written, 2 for a command line that
cannot work; on failure nothing is written or overwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mapper.project import (
    Project,
    ProjectError,
    engine_from_project,
    load_project,
    save_project,
)
from mapper.project.files import write_atomic
from mapper.project.lock import LOCK_FILE, holder, lock_folder

EXPORT_FORMATS = {".csv": "csv", ".arff": "arff", ".json": "models"}


def _fail(message: str, code: int = 1) -> int:
    print(f"mapper: {message}", file=sys.stderr)
    return code


def run_import(args: argparse.Namespace) -> int:
    from mapper.project.wekinator_import import counts, read_wekinator, train_all

    source, dest = Path(args.wekinator_dir), Path(args.project_dir)
    if dest.exists() and (not dest.is_dir() or any(p.name != LOCK_FILE for p in dest.iterdir())):
        return _fail(f"{dest} already exists and is not empty: give a new folder", 2)
    try:
        imported = read_wekinator(source)
    except ProjectError as e:
        return _fail(f"{e}; nothing was written")
    project, rows = imported.project, imported.rows
    project.name = dest.name
    problem, seconds = train_all(project, rows)
    try:
        lock = lock_folder(dest)  # a new project another gesture-mapper is making: left alone
    except ProjectError as e:
        return _fail(f"{e}; nothing was written")
    except OSError as e:
        return _fail(f"cannot write {dest}: {e}")
    try:
        save_project(dest, project, rows)
    except OSError as e:
        return _fail(f"cannot write {dest}: {e}")
    finally:
        lock.release()
    outputs = ", ".join(
        f"{o.name} ({o.classes} classes)"
        if o.is_classifier
        else f"{o.name} ({o.min:g}..{o.max:g}{' hard' if o.hard_limits else ''}"
        f"{' integer' if o.integer else ''})"
        for o in project.outputs
    )
    rounds = len(set(rows.rounds.tolist()))
    print(f"imported {source} into {dest}")
    print(f"  {len(project.input_names)} inputs: {', '.join(project.input_names)}")
    if project.outputs:
        print(f"  {len(project.outputs)} outputs: {outputs}")
        per_output = ", ".join(str(c) for c in counts(rows))
        print(f"  {len(rows)} examples in {rounds} rounds (per output: {per_output})")
    for line in gesture_lines(project):
        print(f"  {line}")
    for note in imported.notes:
        print(f"  {note}")
    if problem:
        print(f"  training: {problem}")
    elif len(rows):
        print(f"  retrained every output in {seconds:.2f} s; they are retrained when it opens")
    print(f"play it: mapper headless {dest}")
    return 0


def gesture_lines(project: Project) -> list[str]:
    """A line per gesture set: its gestures, their addresses and its takes."""
    out = []
    for s, gs in enumerate(project.gesture_sets):
        per = [0] * gs.gestures
        for t in project.takes:
            if t.set == s:
                per[t.gesture] += 1
        last = f" .. /{gs.gesture_name(gs.gestures - 1)}" if gs.gestures > 1 else ""
        out.append(
            f"gesture set {gs.name}: {gs.gestures} gestures (/{gs.gesture_name(0)}{last}), "
            f"{sum(per)} takes (per gesture: {', '.join(str(c) for c in per)})"
        )
    return out


def run_export(args: argparse.Namespace) -> int:
    from mapper.project.dtw_data import dtw_text
    from mapper.project.export import check_finite, examples_arff, examples_csv, models_doc

    folder, target = Path(args.project_dir), Path(args.file)
    kind = args.format or EXPORT_FORMATS.get(target.suffix.lower())
    if kind is None:
        return _fail(
            f"{target}: say --format csv, arff, models or dtw (or end the name in .csv, .arff, "
            ".json)",
            2,
        )
    if target.exists() and not args.force:
        return _fail(f"{target} already exists: choose another name or add --force", 2)
    try:
        project, rows = load_project(folder)  # a folder another gesture-mapper holds: only read
    except ProjectError as e:
        return _fail(str(e))
    for line in project.warnings:  # what loading repaired (the files are left as they are)
        print(f"mapper: {line}", file=sys.stderr)
    who = holder(folder)
    if who:
        print(f"{folder} is open in another gesture-mapper ({who}): exported as it is on disk")
    if kind == "dtw" and not project.gesture_sets:
        return _fail(
            f"{folder} has no gesture sets: --format dtw writes gesture takes (a project made "
            "with --type dtw, or imported from a Wekinator DTW project); nothing was written",
            2,
        )
    if kind == "dtw":
        text = dtw_text(project.gesture_sets, project.takes)
    elif kind == "csv":
        text = examples_csv(project, rows)
    elif kind == "arff":
        text = examples_arff(project, rows)
    else:
        engine = engine_from_project(project, rows)
        if len(rows):
            engine.train()
            engine.wait_for_training()
        doc = models_doc(project, engine)
        if not check_finite(doc):
            return _fail("a trained model holds a non-finite number; nothing was written")
        text = json.dumps(doc, indent=1) + "\n"
    try:
        write_atomic(target, text)
    except OSError as e:
        return _fail(f"cannot write {target}: {e}")
    what = "models" if kind == "models" else f"{len(rows)} examples"
    if kind == "dtw":
        what = f"{len(project.takes)} gesture takes"
        if len(project.gesture_sets) > 1:
            print("  Wekinator holds one gesture set: gestures are numbered set after set")
    print(f"exported {what} of {folder} to {target}")
    return 0
