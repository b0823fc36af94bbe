"""New project: asked when `mapper DIR` names a folder that holds no project yet."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from mapper.core.outputs import make_outputs
from mapper.generators.presets import GeneratorPreset
from mapper.models.registry import model_types
from mapper.osc.settings import OSCSettings
from mapper.project import Project, new_project
from mapper.session.opening import generator_project, inputs_of, with_source
from mapper.sources.presets import PRESETS
from mapper.sources.spec import SourceSpec

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
) -> Project:
    """A new project from the form's fields; ValueError says which field is wrong. With a
    source, its values are the inputs (the inputs field is not read)."""
    counts = {"inputs": _inputs(inputs, source)}
    for name, text, low in (
        ("outputs", outputs, 1),
        ("classes", classes, 1),
    ):
        if not text.strip().isdigit() or int(text) < low:
            raise ValueError(f"{name} must be a whole number of at least {low}, not {text!r}")
        counts[name] = int(text)
    classifier = kind == "classifier"
    outs = make_outputs(
        counts["outputs"], "classifier" if classifier else "continuous", counts["classes"]
    )
    if model not in model_types(classifier):
        raise ValueError(f"{model} is not a model for {kind} outputs")
    for o in outs:
        o.model = {"type": model, "k": 1} if classifier and model == "knn" else {"type": model}
    project = new_project(folder.name, counts["inputs"], outs, osc)
    return with_source(project, source) if source is not None else project


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
                    yield Label("outputs", classes="field")
                    yield Input("3", id="outputs")
                with Horizontal(classes="row"):
                    yield Label("output type", classes="field")
                    yield Select(
                        [("continuous (0..1)", "continuous"), ("classifier", "classifier")],
                        value="continuous",
                        allow_blank=False,
                        id="kind",
                    )
                with Horizontal(classes="row"):
                    yield Label("classes", classes="field")
                    yield Input("2", id="classes")
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
                )
        except ValueError as e:
            self.query_one("#problem", Static).update(f"[b red]{e}[/]")
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
