"""Every key of the main screen, in one table: the main screen (and, for quitting, the app)
binds them, the help screen, the command palette and the README list them (a test checks the
README against this table)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# key, action, label in the footer (None: not shown there), what it does
MAIN_KEYS: list[tuple[str, str, str | None, str]] = [
    ("r", "record", "Record", "record a take (count-in and length as set); again to stop"),
    ("t", "train", "Train", "train every output that has examples, in the background"),
    ("c", "cancel_training", None, "cancel training (the old models keep playing)"),
    ("p", "play", "Play", "run the mapping: inputs -> models -> outputs; again to stop"),
    ("x", "randomize", "Random", "random output values, sent at once"),
    ("u", "delete_last_round", "Undo", "delete the last recorded round"),
    ("U", "restore_round", None, "put the last deleted round back"),
    (
        "d",
        "delete_output_examples",
        None,
        "delete the selected output's examples, or the selected gesture's takes, or the "
        "selected bookmark (asks)",
    ),
    ("D", "delete_all_examples", None, "delete every example and gesture take (asks)"),
    ("e", "examples", "Examples", "the examples table: delete rows or rounds"),
    ("m", "model", "Model", "model settings and evaluation of the selected output"),
    ("v", "evaluate", None, "cross-validate the selected output (accuracy / RMS error)"),
    ("i", "toggle_pad", None, "XY pad streaming on/off"),
    ("h", "app.take_heard", None, "take the messages heard (not inputs) as the inputs (asks)"),
    ("k", "cycle_count_in", None, "count-in before a take: 0, 1, 2, 3, 4 s"),
    ("l", "cycle_take_length", None, "take length: until stopped, 1, 2, 3, 5, 10 s"),
    ("g", "cycle_glide", None, "glide (output smoothing while running): 0 .. 1 s"),
    ("R", "toggle_output('record')", None, "recording on/off for the selected output"),
    ("P", "toggle_output('run')", None, "running on/off for the selected output"),
    ("T", "toggle_output('train')", None, "training on/off for the selected output"),
    ("b", "beat", None, "generator: start / stop (drum sequencer or neural audio)"),
    ("left_square_bracket", "tempo(-5)", None, "drum model: 5 BPM slower"),
    ("right_square_bracket", "tempo(5)", None, "drum model: 5 BPM faster"),
    ("z", "toggle_latent_map", None, "latent map of a trained sound model in place of the pad"),
    (
        "space",
        "record_gesture",
        None,
        "gestures: record a take of the selected gesture; again to stop, or hold it while "
        "performing (the take stops when the key's repeats do)",
    ),
    ("minus", "gesture_threshold(-1)", None, "gestures: lower the selected set's threshold"),
    ("plus", "gesture_threshold(1)", None, "gestures: raise the selected set's threshold"),
    ("f", "toggle_dtw_progress", None, "gestures: send /mapper/dtw/progress (following) on/off"),
    (
        "H",
        "cycle_hold",
        None,
        "hold when novel: outputs hold while the input is newer than off, 0.5, 1, 1.5, 2, 3",
    ),
    ("n", "toggle_novelty", None, "send /mapper/novelty (how new the input is) on/off"),
    ("w", "suggest", None, "where to record next: a place you often play, far from the examples"),
    ("X", "explore", None, "explore: output values far from every recorded sound, sent at once"),
    ("B", "keep_bookmark", None, "bookmark the sound playing now (asks a name)"),
    ("ctrl+s", "save", "Save", "save the project (asks for a folder the first time)"),
    ("S", "save_as", None, "save as a new project folder"),
    ("ctrl+o", "open", None, "open another project folder"),
    ("question_mark", "help", "Help", "this help"),
    ("ctrl+q", "quit", None, "quit (saves a project that has a folder)"),
]

PANEL_KEYS: list[tuple[str, str]] = [
    (
        "tab / shift+tab",
        "move between the hold slider, the bookmarks, the XY pad, the outputs and the gestures",
    ),
    ("up / down", "outputs: select an output; gestures: a gesture; bookmarks: a bookmark"),
    ("1-9 (gestures)", "gestures: select gesture 1-9 (a click selects any)"),
    ("1-9 (bookmarks)", "bookmarks: recall bookmark 1-9 (its values, sent at once)"),
    ("left / right", "outputs: move the value (shift: big steps); XY pad: move the cursor"),
    ("left / right (hold)", "hold slider: the hold threshold by 0.1 (shift: 0.5)"),
    ("up / down (pad)", "XY pad: move the cursor (shift: big steps)"),
    ("0-9", "outputs: pick a class of a classifier output (0 = no class)"),
    ("enter", "outputs: model settings of the selected output; bookmarks: recall the selected"),
    ("d (bookmarks)", "bookmarks: delete the selected bookmark (asks)"),
    ("ctrl+p", "command palette: every action by name"),
]

EXAMPLES_KEYS: list[tuple[str, str]] = [
    ("d", "delete the selected example (in the gesture takes: the selected take)"),
    (
        "D",
        "delete the selected example's whole round (u/U on the main screen); in the gesture "
        "takes: every take of the selected gesture (asks)",
    ),
    ("tab", "between the examples and the gesture takes"),
    ("escape", "back to the main screen"),
]


NAMES = {
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "minus": "-",
    "plus": "+",
}
SHORT_NAMES = {"ctrl+s": "^s"}  # in the footer, where 80 columns hold the main keys


def display(key: str) -> str:
    return NAMES.get(key, key)


def footer_display(key: str) -> str:
    return SHORT_NAMES.get(key, display(key))


APP_ACTIONS = ("quit",)  # bound by the app, so they work on every screen


def _bindings(on_app: bool) -> list[BindingType]:
    return [
        Binding(key, action, label or desc, show=label is not None, key_display=footer_display(key))
        for key, action, label, desc in MAIN_KEYS
        if (action in APP_ACTIONS) == on_app
    ]


def main_bindings() -> list[BindingType]:
    """The main screen's keys: every action of the table but the app's."""
    return _bindings(on_app=False)


def app_bindings() -> list[BindingType]:
    """The keys that work on every screen (quit)."""
    return _bindings(on_app=True)
