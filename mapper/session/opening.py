"""The one way to find the project a run opens: a project folder, a new project made from the
counts (or a generator's latent dimensions), or a built-in demo."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from mapper import extras
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.core.gestures import MAX_GESTURES, GestureSet
from mapper.core.outputs import Output, make_outputs
from mapper.errors import UsageError
from mapper.generators.presets import GeneratorPreset
from mapper.osc.settings import OSCSettings
from mapper.project import Project, holds_project, load_project, new_project
from mapper.session.options import TORCHSCRIPT, InstrumentOptions, NewProjectOptions
from mapper.sources.spec import SourceSpec


@dataclass(frozen=True)
class Opening:
    """A project ready to play: its settings, its examples and where it is saved."""

    project: Project
    rows: ExampleRows
    folder: Path | None  # None: not saved anywhere yet

    @classmethod
    def new(cls, project: Project, folder: Path | None) -> Opening:
        """A project with no examples yet."""
        rows = ExampleStore(len(project.input_names), len(project.outputs)).snapshot()
        return cls(project, rows, folder)


def find_project(options: InstrumentOptions) -> Opening | None:
    """The project the options name: the folder's (the counts must fit it, or not be given),
    a demo, or a new one made from the counts. None when the folder is new and the caller asks
    for the counts itself (`ask_for_new`: the TUI's form). UsageError, ProjectError or
    GeneratorError say what is wrong; the generator options are checked against the project."""
    folder = options.folder
    if folder is not None and holds_project(folder, UsageError):
        project, rows = load_project(folder)
        _refuse_counts(folder, project, options.new)
        _listen_to(folder, project, options.source)
        opening: Opening | None = Opening(project, rows, folder)
    elif folder is None and options.demo:
        opening = _demo(options)
    elif options.ask_for_new:
        opening = None
    else:
        opening = Opening.new(_new_project(options, folder), folder)
    options.play.check(opening.project.generator if opening else None)
    _check_source_extra(options.source)
    return opening


def _check_source_extra(spec: SourceSpec | None) -> None:
    """UsageError, before any folder is made, when --source names a source whose extra is
    not installed (midi, gamepad). A project's own source that cannot open is said when it
    plays, and the project plays on (its /wek/inputs and OSC still work)."""
    if spec is not None and spec.name in extras.EXTRAS and (missing := extras.missing(spec.name)):
        raise UsageError(f"--source {spec.name}: {missing}")


def generator_project(
    name: str,
    inputs: int,
    preset: GeneratorPreset,
    osc: OSCSettings | None = None,
    model: str | None = None,
) -> Project:
    """A new project whose outputs steer a generator: the preset's outputs (each with `model`
    when given), their first values (a musical starting point, not a corner) and the
    generator settings it saves. The one builder for headless, the TUI's form and the demos."""
    outputs = preset.outputs
    if model is not None:
        outputs = [dataclasses.replace(o, model={"type": model}) for o in outputs]
    project = new_project(name, inputs, list(outputs), osc or OSCSettings())
    project.values = list(preset.values)
    project.generator = dict(preset.spec)
    return project


def _refuse_counts(folder: Path, project: Project, new: NewProjectOptions) -> None:
    for flag, have, want in (
        ("--inputs", len(project.input_names), new.inputs),
        ("--outputs", len(project.outputs), new.outputs),
    ):
        if want is not None and want != have:
            raise UsageError(f"{folder} has {have} {flag[2:]}, not {want}; drop {flag}")
    given = (("--type", new.kind), ("--classes", new.classes), ("--model", new.model))
    for flag, value in (*given, ("--gestures", new.gestures)):
        if value is not None:
            raise UsageError(
                f"{folder} already defines its outputs; drop {flag} (change models over "
                "OSC with /mapper/control/setModel)"
            )


def with_source(project: Project, spec: SourceSpec) -> Project:
    """`project` listening to `spec`: its inputs are the source's values, named."""
    project.input_names = spec.input_names()
    project.source = spec.to_doc()
    return project


def _listen_to(folder: Path, project: Project, spec: SourceSpec | None) -> None:
    """--source on an existing project: the project's own source (its port may change for
    this run and is saved), or a source with as many inputs (the project then keeps it)."""
    if spec is None:
        return
    saved = SourceSpec.from_doc(project.source) if project.source else None
    if saved is not None and saved.name == spec.name:
        spec = SourceSpec(spec.name, spec.arg or saved.arg, saved.learned)
    elif len(spec.input_names()) != len(project.input_names):
        raise UsageError(
            f"{folder} has {len(project.input_names)} inputs; --source {spec.name} gives "
            f"{len(spec.input_names())} ({', '.join(spec.input_names())}): drop --source, or "
            "make a new project with it"
        )
    project.source = spec.to_doc()


def inputs_of(spec: SourceSpec | None, inputs: int | None) -> int | None:
    """A new project's input count: the source's (`inputs`, if given, must agree), else
    `inputs` (--inputs; the new-project form's field)."""
    if spec is None:
        return inputs
    have = len(spec.input_names())
    if inputs is not None and inputs != have:
        raise UsageError(
            f"--source {spec.name} gives {have} inputs ({', '.join(spec.input_names())}), "
            f"not {inputs}: drop --inputs"
        )
    return have


def _demo(options: InstrumentOptions) -> Opening:
    from mapper.session.demos import demo_project, drum_demo_project, neural_demo_project

    choice, play = options.play.generator, options.play
    if choice is not None and choice.kind == TORCHSCRIPT:
        project, rows = neural_demo_project(str(choice.model), play.steer)
    elif choice is not None:
        project, rows = drum_demo_project(play.bpm)
    else:
        project, rows = demo_project()
    return Opening(project, rows, None)


def _new_project(options: InstrumentOptions, folder: Path | None) -> Project:
    """A project from the counts (the inputs: the source's, with --source), or, with a
    generator, from its latent dimensions."""
    project = _counted_project(options, folder)
    if options.source is not None:
        with_source(project, options.source)
    return project


def _counted_project(options: InstrumentOptions, folder: Path | None) -> Project:
    new, name = options.new, folder.name if folder is not None else "untitled"
    new = dataclasses.replace(new, inputs=inputs_of(options.source, new.inputs))
    play, choice = options.play, options.play.generator
    if choice is not None:
        if new.inputs is None or new.inputs < 1:
            raise UsageError(
                "say how many inputs, e.g. --inputs 3 (the generator sets the outputs)"
            )
        from mapper.generators.presets import generator_preset

        preset = generator_preset(
            choice.kind,
            choice.model,
            folder,
            play.steer,
            play.bpm,
            new.outputs,
            new.kind == "classifier",
        )
        return generator_project(name, new.inputs, preset)
    if new.kind == "dtw" or new.gestures is not None:
        return gesture_project(name, new)
    outputs = _plain_outputs(new)
    assert new.inputs is not None  # _plain_outputs said so otherwise
    return new_project(name, new.inputs, outputs, OSCSettings())


def _plain_outputs(new: NewProjectOptions) -> list[Output]:
    """Continuous or classifier outputs from the counts, each with --model if given."""
    if new.inputs is None or new.outputs is None:
        raise UsageError("say how many inputs and outputs, e.g. --inputs 3 --outputs 2")
    if new.inputs < 1 or new.outputs < 1:
        raise UsageError("--inputs and --outputs must be at least 1")
    classes = 2 if new.classes is None else new.classes
    if classes < 1:
        raise UsageError("--classes must be at least 1")
    classifier = new.kind == "classifier"
    outputs = make_outputs(new.outputs, "classifier" if classifier else "continuous", classes)
    if new.model:
        from mapper.models import make_model

        try:
            make_model({"type": new.model}, classifier)
        except ValueError as e:
            raise UsageError(f"--model: {e}") from e
        for o in outputs:
            o.model = {"type": new.model}
    return outputs


def gesture_project(name: str, new: NewProjectOptions) -> Project:
    """A new project with gesture sets: `--type dtw` (--outputs sets, default 1, of
    --gestures each, default 3), or continuous / classifier outputs with one set beside."""
    gestures = 3 if new.gestures is None else new.gestures
    if new.inputs is None or new.inputs < 1:
        raise UsageError("say how many inputs, e.g. --inputs 3 --type dtw --gestures 4")
    if not 1 <= gestures <= MAX_GESTURES:
        raise UsageError(f"--gestures must be 1 to {MAX_GESTURES}")
    if new.kind == "dtw":
        if new.classes is not None or new.model is not None:
            raise UsageError("--type dtw takes no --classes or --model: gestures need neither")
        n_sets = 1 if new.outputs is None else new.outputs
        if not 1 <= n_sets <= 16:
            raise UsageError("--type dtw: --outputs (gesture sets) must be 1 to 16")
        names = ["output"] if n_sets == 1 else [f"output-{k + 1}" for k in range(n_sets)]
        project = new_project(name, new.inputs, [], OSCSettings())
        project.gesture_sets = [GestureSet(n, gestures) for n in names]
        return project
    project = new_project(name, new.inputs, _plain_outputs(new), OSCSettings())
    project.gesture_sets = [GestureSet("gestures", gestures)]
    return project
