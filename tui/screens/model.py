"""Model settings for one output: model type and its parameters, connected inputs, limits or
class count; and an evaluation (cross-validated accuracy or RMS error) shown in place."""

from __future__ import annotations

import json
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from mapper.core.engine import Engine, EngineError
from mapper.models.registry import default_settings, model_types


def parse_setting(text: str) -> Any:
    """What the user typed: a number, true/false, a list like [16, 16], null, or a word."""
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def show_setting(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


class ModelScreen(Screen[None]):
    """Changes apply with the Apply button (or ctrl+a); the output then needs retraining."""

    BINDINGS = [
        Binding("ctrl+a", "apply", "Apply"),
        Binding("ctrl+e", "evaluate", "Evaluate"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, engine: Engine, j: int) -> None:
        super().__init__()
        self.engine = engine
        self.j = j
        self.output = engine.outputs[j]

    def compose(self) -> ComposeResult:
        o = self.output
        kind = (
            f"classifier, {o.classes} classes"
            if o.is_classifier
            else (f"continuous {o.min:g}..{o.max:g}")
        )
        with VerticalScroll(id="model-form"):
            yield Static(f"[b]{o.name}[/b] ({kind})", id="model-title")
            with Horizontal(classes="row"):
                yield Label("model", classes="field")
                types = model_types(o.is_classifier)
                yield Select(
                    [(t, t) for t in types],
                    value=str(o.model.get("type", types[0])),
                    allow_blank=False,
                    id="model-type",
                )
            yield Vertical(id="params")
            yield Label("inputs feeding this output", classes="section")
            chosen = o.input_indices(self.engine.n_inputs)
            with Horizontal(id="inputs", classes="row"):
                for i, name in enumerate(self.engine.input_names):
                    yield Checkbox(name, i in chosen, id=f"input-{i}")
            if o.is_classifier:
                with Horizontal(classes="row"):
                    yield Label("classes", classes="field")
                    yield Input(str(o.classes), id="classes")
            else:
                with Horizontal(classes="row"):
                    yield Label("min / max", classes="field")
                    yield Input(f"{o.min:g}", id="min")
                    yield Input(f"{o.max:g}", id="max")
                    yield Checkbox("hard limits", o.hard_limits, id="hard")
            with Horizontal(classes="buttons"):
                yield Button("Apply (ctrl+a)", variant="primary", id="apply")
                yield Button("Evaluate (ctrl+e)", id="evaluate")
            yield Static("", id="problem")
            yield Static("", id="evaluation")
        yield Footer()

    def on_mount(self) -> None:
        self._show_params(str(self.query_one("#model-type", Select).value))

    def _show_params(self, type_name: str) -> None:
        box = self.query_one("#params", Vertical)
        box.remove_children()
        o = self.output
        current = o.model if o.model.get("type") == type_name else {}
        defaults = default_settings(type_name, o.is_classifier)
        rows = []
        for name, default in defaults.items():
            if name == "type":
                continue
            value = current.get(name, default)
            rows.append(
                Horizontal(
                    Label(name, classes="field"),
                    Input(show_setting(value), id=f"param-{name}"),
                    classes="row",
                )
            )
        if not rows:
            rows.append(Horizontal(Label("(no settings)", classes="field"), classes="row"))
        box.mount_all(rows)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "model-type":
            self._show_params(str(event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "evaluate":
            self.action_evaluate()

    def _settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {"type": str(self.query_one("#model-type", Select).value)}
        for field in self.query("#params Input").results(Input):
            settings[str(field.id).removeprefix("param-")] = parse_setting(field.value)
        return settings

    def action_apply(self) -> None:
        problem = self.query_one("#problem", Static)
        e, j, o = self.engine, self.j, self.output
        try:
            settings = self._settings()
            if settings != o.model:
                e.set_model(j, settings)
            inputs = [i for i in range(e.n_inputs) if self.query_one(f"#input-{i}", Checkbox).value]
            if inputs != o.input_indices(e.n_inputs):
                e.select_inputs(j, inputs)
            if o.is_classifier:
                classes = self.query_one("#classes", Input).value
                if not classes.strip().isdigit():
                    raise EngineError(f"classes must be a whole number, not {classes!r}")
                if int(classes) != o.classes:
                    e.set_classes(j, int(classes))
            else:
                low, high = (self.query_one(f"#{k}", Input).value for k in ("min", "max"))
                hard = self.query_one("#hard", Checkbox).value
                try:
                    lo, hi = float(low), float(high)
                except ValueError:
                    raise EngineError(
                        f"min and max must be numbers, not {low!r}, {high!r}"
                    ) from None
                if (lo, hi, hard) != (o.min, o.max, o.hard_limits):
                    e.set_limits(j, lo, hi, hard)
        except EngineError as err:
            problem.update(f"[b red]{err}[/]")
            return
        problem.update("[green]applied: train (t) to hear the change[/]")

    def action_evaluate(self) -> None:
        self.query_one("#evaluation", Static).update("evaluating…")
        self._evaluate()

    @work(thread=True, exclusive=True)
    def _evaluate(self) -> None:
        try:
            text = self.engine.evaluate(self.j).text()
        except EngineError as err:
            text = f"[red]{err}[/]"
        self.app.call_from_thread(self.query_one("#evaluation", Static).update, text)
