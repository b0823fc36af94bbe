"""Wekinator's dynamic time warping projects, for `mapper import-wekinator`.

Such a project has one output, `<wekimini.osc.OSCDtwOutput>` in outputConfig.xml (`name`,
`numGestures`, `gestureNames`, `gestureOscMessages`); its takes in `current/currentData.csv`
(mapper.project.dtw_data); its model in `current/models/model1.xml` (XStream: the takes again,
the settings, `matchThreshold`, `selectedInputs`). Imported: one gesture set (the output's name,
numGestures gestures), every take, and the inputs selected for matching (model1.xml's
`selectedInputs`, read with the same safe XML parsing). Not imported, and said in the notes: the
match threshold (another scale), the DTW settings, custom gesture names and OSC messages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from mapper.core.gestures import DEFAULT_THRESHOLD, MAX_GESTURES, GestureSet, GestureTake
from mapper.core.outputs import clean_name, name_problem
from mapper.errors import ProjectError, shown

from .dtw_data import read_dtw_data
from .wekinator_xml import number, read_xml, text

DTW_OUTPUT = "OSCDtwOutput"
DATA = Path("current") / "currentData.csv"
MODEL = Path("current") / "models" / "model1.xml"
THRESHOLD_NOTE = (
    "Wekinator's match threshold is not imported: it is on another scale (FastDTW distances "
    "summed over takes downsampled to about 10 frames); the set starts at gesture-mapper's "
    f"default, {DEFAULT_THRESHOLD:g} (in units of the takes' spread): change it with "
    "/mapper/control/setDtwThreshold"
)
SETTINGS_NOTE = (
    "Wekinator's DTW settings are not imported (downsampling, minimum length, continuous or "
    "once-per-record matching): gesture-mapper matches every frame, with no downsampling and "
    "no minimum length"
)


def is_dtw(node: ET.Element) -> bool:
    return node.tag.rsplit(".", 1)[-1] == DTW_OUTPUT


def read_dtw(
    folder: Path, group: ET.Element, path: Path, input_names: list[str]
) -> tuple[GestureSet, list[GestureTake], list[str]]:
    """The gesture set, its takes and the notes of a Wekinator DTW project whose outputs
    (`group`, from `path`, outputConfig.xml) hold its OSCDtwOutput."""
    nodes = list(group)
    if len(nodes) != 1:
        raise ProjectError(
            f"{path}: a dynamic time warping output among {len(nodes)} outputs; Wekinator "
            "makes a DTW project of one output"
        )
    node, notes = nodes[0], []
    name = text(node, "name", path, "outputs-1")
    if name_problem(name, "name"):
        new = clean_name(name, "output")
        notes.append(f"the output's name {shown(name)} cannot name a gesture set: renamed {new!r}")
        name = new
    count = number(node, "numGestures", path)
    if count != int(count) or not 1 <= count <= MAX_GESTURES:
        raise ProjectError(f"{path}: {name}: numGestures must be a whole number 1..{MAX_GESTURES}")
    inputs = _selected(folder / MODEL, input_names, notes)
    gs = GestureSet(name, int(count), DEFAULT_THRESHOLD, inputs)
    takes = _takes(folder / DATA, len(input_names), gs, notes)
    return gs, takes, [*notes, _addresses(node, gs), THRESHOLD_NOTE, SETTINGS_NOTE]


def _takes(path: Path, n_inputs: int, gs: GestureSet, notes: list[str]) -> list[GestureTake]:
    if not path.is_file():
        notes.append(f"{path} not found: the gesture set has no takes")
        return []
    advice = "fix it or move it away to import the project without its takes"
    found, more = read_dtw_data(path, n_inputs, gs.gestures, advice)
    notes += more
    when = path.stat().st_mtime  # Wekinator keeps no take's time: the file's
    return [GestureTake(k + 1, 0, g, frames, when) for k, (g, frames) in enumerate(found)]


def _selected(path: Path, names: list[str], notes: list[str]) -> list[int] | None:
    """The inputs model1.xml selects for matching (None: all), and a note on what was read."""
    every = "every input counts for matching"
    if not path.is_file():
        notes.append(f"{path} not found: {every}")
        return None
    try:
        flags = _flags(read_xml(path))
    except ProjectError as e:
        notes.append(f"{e}: {every}")
        return None
    if flags is None or len(flags) != len(names) or not any(flags):
        what = (
            "holds no selectedInputs"
            if flags is None
            else f"selects {sum(flags)} of {len(flags)} inputs"
        )
        notes.append(f"{path} {what}, which cannot be used: {every}")
        return None
    chosen = [i for i, f in enumerate(flags) if f]
    if len(chosen) == len(names):
        return None
    notes.append(
        f"matching uses the inputs selected in Wekinator: {', '.join(names[i] for i in chosen)}"
    )
    return chosen


def _flags(root: ET.Element) -> list[bool] | None:
    """DtwModel's selectedInputs (XStream may write it in full where first met, inside the
    distance function, and refer to it from the model's own field)."""
    own = root.find("selectedInputs")
    for node in [*([own] if own is not None else []), *root.iter("selectedInputs")]:
        if len(node) and all(c.tag == "boolean" for c in node):
            return [(c.text or "").strip() == "true" for c in node]
    return None


def _addresses(node: ET.Element, gs: GestureSet) -> str:
    """The note on the gestures' names and OSC messages: ours are always /<name>_<k>."""
    ours = [f"/{gs.gesture_name(k)}" for k in range(gs.gestures)]
    sent_node = node.find("gestureOscMessages")
    sent = [] if sent_node is None else [(s.text or "").strip() for s in sent_node]
    other = [(k, a) for k, a in enumerate(sent[: gs.gestures]) if a != ours[k]]
    note = (
        f"a match is sent as {ours[0]}{' .. ' + ours[-1] if len(ours) > 1 else ''} (always "
        "/<name>_<k>): custom gesture names and OSC messages are not imported"
    )
    if other:
        k, address = other[0]
        more = f" (and {len(other) - 1} more)" if len(other) > 1 else ""
        note += f"; Wekinator sent {shown(address)} for gesture {k + 1}{more}"
    return note
