"""New project: asked when `mapper DIR` names a folder that holds no project yet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from mapper.core.outputs import make_outputs
from mapper.errors import UsageError
from mapper.generators.presets import GeneratorPreset
from mapper.models.registry import model_types
from mapper.osc.settings import OSCSettings
from mapper.project import Project, new_project
from mapper.session.opening import generator_project, gesture_project, inputs_of, with_source
from mapper.session.options import NewProjectOptions
from mapper.sources.presets import PRESETS
from mapper.sources.spec import SourceSpec

KINDS = [
    ("continuous (0..1)", "continuous"),
    ("classifier", "classifier"),
    ("gestures (DTW)", "dtw"),
]
# the fields a dtw project starts with (one set of three gestures), and the others' defaults
DTW_DEFAULTS = {"outputs": ("3", "1"), "gestures": ("0", "3")}
GESTURES_HINT = {
    "continuous": "gestures: 0 for none, or how many temporal gestures (DTW) beside the outputs",
    "dtw": "gestures: how many temporal gestures (DTW) in each set, matched as performed",
}
NO_SOURCE = "none"  # the form's source: /wek/inputs, as many as the inputs field says
SOURCES = [
    ("none (/wek/inputs)", NO_SOURCE),
    *((f"{p.name}: {p.about}", p.name) for p in PRESETS.values()),
]


def _inputs(inputs: str, source: SourceSpec | None) -> int:
    """The input count, as --inputs and --source give it (mapper.session.opening.inputs_of):
    the source's (its values, named; the field is not read), else the field's."""
    count = None
    if source is None:
        if not inputs.strip().isdigit() or int(inputs) < 1:
            raise ValueError(f"inputs must be a whole number of at least 1, not {inputs!r}")
        count = int(inputs)
    have = inputs_of(source, count)
    assert have is not None  # the source's count, or the field's
    return have


def build_project(
    folder: Path,
    inputs: str,
    outputs: str,
    kind: str,
    classes: str,
    model: str,
    osc: OSCSettings,
    source: SourceSpec | None = None,
    gestures: str = "0",
) -> Project:
    """A new project from the form's fields; ValueError says which field is wrong. With a
    source, its values are the inputs (the inputs field is not read). Kind dtw: `outputs`
    gesture sets of `gestures` gestures each; else `gestures` > 0 adds one set of that many
    beside the outputs."""
    counts = {"inputs": _inputs(inputs, source)}
    dtw = kind == "dtw"
    fields = [("gesture sets" if dtw else "outputs", outputs, 1), ("gestures", gestures, int(dtw))]
    for name, text, low in [*fields, *([] if dtw else [("classes", classes, 1)])]:
        if not text.strip().isdigit() or int(text) < low:
            raise ValueError(f"{name} must be a whole number of at least {low}, not {text!r}")
        counts[name] = int(text)
    if dtw:
        new = NewProjectOptions(counts["inputs"], counts["gesture sets"], "dtw")
        project = _with_gestures(folder, new, counts["gestures"])
    else:
        classifier = kind == "classifier"
        outs = make_outputs(
            counts["outputs"], "classifier" if classifier else "continuous", counts["classes"]
        )
        if model not in model_types(classifier):
            raise ValueError(f"{model} is not a model for {kind} outputs")
        for o in outs:
            o.model = {"type": model, "k": 1} if classifier and model == "knn" else {"type": model}
        project = new_project(folder.name, counts["inputs"], outs, osc)
        if counts["gestures"]:  # a gesture set beside the outputs
            new = NewProjectOptions(counts["inputs"], counts["outputs"], "continuous")
            project.gesture_sets = _with_gestures(folder, new, counts["gestures"]).gesture_sets
    project.osc = osc
    return with_source(project, source) if source is not None else project


def _with_gestures(folder: Path, new: NewProjectOptions, gestures: int) -> Project:
    """The project mapper.session.opening makes with gesture sets (as headless --type dtw,
    --gestures K); its refusals said as the form's (ValueError)."""
    try:
        return gesture_project(folder.name, dataclasses.replace(new, gestures=gestures))
    except UsageError as e:
        words = str(e).replace("--type dtw: --outputs (gesture sets)", "gesture sets")
        raise ValueError(words.replace("--gestures", "gestures")) from e


def build_generator_project(
    folder: Path,
    inputs: str,
    model: str,
    osc: OSCSettings,
    preset: GeneratorPreset,
    source: SourceSpec | None = None,
) -> Project:
    """A new project whose outputs steer a generator; ValueError says which field is wrong."""
    count = _inputs(inputs, source)
    if model not in model_types(False):
        raise ValueError(f"{model} is not a model for continuous outputs")
    project = generator_project(folder.name, count, preset, osc, model)
    return with_source(project, source) if source is not None else project


class NewProjectScreen(Screen[Project | None]):
    BINDINGS = [
        Binding("ctrl+n", "create", "Create"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        folder: Path,
        osc: OSCSettings,
        preset: GeneratorPreset | None = None,
        source: SourceSpec | None = None,
    ) -> None:
        super().__init__()
        self.folder = folder
        self.osc = osc
        self.preset = preset
        self.source = source  # --source: chosen at first

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="new-form"):
            yield Static(f"[b]New project[/b] in {self.folder} (it does not exist yet)")
            with Horizontal(classes="row"):
                yield Label("sensor source", classes="field")
                yield Select(
                    SOURCES,
                    value=self.source.name if self.source is not None else NO_SOURCE,
                    allow_blank=False,
                    id="source",
                )
            with Horizontal(classes="row"):
                yield Label("inputs", classes="field")
                yield Input("2", id="inputs")
            if self.preset is not None:
                yield Static(self.preset.about(), id="generator-outputs", markup=False)
            else:
                with Horizontal(classes="row"):
                    yield Label("outputs", classes="field", id="outputs-label")
                    yield Input("3", id="outputs")
                with Horizontal(classes="row"):
                    yield Label("output type", classes="field")
                    yield Select(KINDS, value="continuous", allow_blank=False, id="kind")
                with Horizontal(classes="row"):
                    yield Label("classes", classes="field")
                    yield Input("2", id="classes")
                with Horizontal(classes="row"):
                    yield Label("gestures", classes="field")
                    yield Input("0", id="gestures")
                yield Static(GESTURES_HINT["continuous"], id="gestures-hint")
            with Horizontal(classes="row"):
                yield Label("model", classes="field")
                yield Select(
                    [(t, t) for t in model_types(False)],
                    value="mlp",
                    allow_blank=False,
                    id="model",
                )
            with Horizontal(classes="buttons"):
                yield Button("Create (ctrl+n)", variant="primary", id="create")
                yield Button("Cancel (escape)", id="cancel")
            yield Static("", id="problem")
        yield Footer()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "kind":
            classifier = event.value == "classifier"
            model = self.query_one("#model", Select)
            model.set_options([(t, t) for t in model_types(classifier)])
            model.value = model_types(classifier)[0]
            self._gesture_fields(event.value == "dtw")

    def _gesture_fields(self, dtw: bool) -> None:
        """Kind dtw: the outputs field counts gesture sets, classes and model do not apply;
        a field still at the other kind's default takes this kind's."""
        self.query_one("#outputs-label", Label).update("gesture sets" if dtw else "outputs")
        self.query_one("#gestures-hint", Static).update(
            GESTURES_HINT["dtw" if dtw else "continuous"]
        )
        for field_id in ("classes", "model"):
            self.query_one(f"#{field_id}").disabled = dtw
        for field_id, (other, dtw_default) in DTW_DEFAULTS.items():
            field = self.query_one(f"#{field_id}", Input)
            was, now = (other, dtw_default) if dtw else (dtw_default, other)
            if field.value.strip() == was:
                field.value = now

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.action_cancel()

    def action_create(self) -> None:
        def value(field_id: str) -> str:
            return self.query_one(f"#{field_id}", Input).value

        model = str(self.query_one("#model", Select).value)
        source = self._chosen_source()
        try:
            if self.preset is not None:
                project = build_generator_project(
                    self.folder, value("inputs"), model, self.osc, self.preset, source
                )
            else:
                project = build_project(
                    self.folder,
                    value("inputs"),
                    value("outputs"),
                    str(self.query_one("#kind", Select).value),
                    value("classes"),
                    model,
                    self.osc,
                    source,
                    value("gestures"),
                )
        except ValueError as e:
            problem = self.query_one("#problem", Static)
            problem.update(f"[b red]{e}[/]")
            problem.scroll_visible()  # under the buttons: a small terminal scrolls to it
            return
        self.dismiss(project)

    def _chosen_source(self) -> SourceSpec | None:
        name = str(self.query_one("#source", Select).value)
        if name == NO_SOURCE:
            return None
        if self.source is not None and self.source.name == name:
            return self.source  # as --source said it (midi:PORT)
        return SourceSpec(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
