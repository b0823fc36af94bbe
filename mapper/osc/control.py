"""The control addresses: Wekinator's `/wekinator/control/...`, then ours under `/mapper/...`.

Each handler takes the message's arguments, checks them, and calls one public Engine method,
the same method the TUI calls. A bad argument raises EngineError with a message for the user.
Work too slow for the receive thread (evaluating, saving as, opening a project) goes to the
server's bounded workers (mapper.osc.jobs): one per kind, a short queue, floods dropped and
counted, never a thread per message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

from mapper.core.engine import Engine, EngineError
from mapper.osc.codec import as_typed, printable
from mapper.osc.jobs import JobRunner

Handler = Callable[[Sequence[Any]], None]
WEK = "/wekinator/control/"
OURS = "/mapper/control/"


def number_arg(value: Any, what: str) -> float:
    """A number from OSC (int or float, as its type tag says); EngineError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EngineError(f"{what} must be a number, not {value!r}")
    return as_typed(float(value))


def index_arg(value: Any, what: str) -> int:
    """A 1-based number from OSC (int, or a float holding a whole number) -> 0-based."""
    number = number_arg(value, what)
    if not math.isfinite(number) or number != int(number):
        raise EngineError(f"{what} must be a whole number, not {value!r}")
    return int(number) - 1


def indices_arg(args: Sequence[Any], what: str) -> list[int]:
    """One or more 1-based numbers -> 0-based."""
    if not args:
        raise EngineError(f"give at least one {what} number (1-based)")
    return [index_arg(a, what) for a in args]


def _strings(args: Sequence[Any]) -> list[str]:
    return [a if isinstance(a, str) else str(a) for a in args]


def _model_settings(args: Sequence[Any]) -> dict[str, Any]:
    """`type [name value]...` -> {"type": type, name: value, ...}."""
    if not args or not isinstance(args[0], str):
        raise EngineError("give the model type first, e.g. setModel 1 knn k 3")
    if len(args) % 2 == 0:
        raise EngineError("model parameters come in name value pairs")
    settings: dict[str, Any] = {"type": args[0]}
    for name, value in zip(args[1::2], args[2::2]):
        settings[str(name)] = as_typed(value) if type(value) is float else value
    return settings


def run_later(
    engine: Engine,
    jobs: JobRunner,
    kind: str,
    what: str,
    work: Callable[[], object],
    key: Hashable | None = None,
) -> None:
    """Run `work` on `kind`'s worker, off the receive thread; a failure there (an
    EngineError: a request that cannot be met) is logged and counted as a control error,
    `what` naming it. The instrument plays on meanwhile."""

    def run() -> None:
        try:
            work()
        except Exception as e:
            error = f"{what}: {printable(e, 200)}"
            engine.counters.control_errors += 1
            engine.counters.last_control_error = error
            jobs.warn(kind, error)

    jobs.submit(kind, run, key=key)


def make_controls(engine: Engine, jobs: JobRunner) -> dict[str, Handler]:
    """The address -> handler table for one engine: what needs no project folder. `jobs`
    runs what is too slow for the receive thread (evaluations).

    A server without a project leaves save, load and runNewProject unknown (counted and
    logged); a Session adds them with `make_project_controls`.
    """

    def simple(method: Callable[[], object]) -> Handler:
        def handler(args: Sequence[Any]) -> None:
            method()

        return handler

    def toggle(what: str, on: bool) -> Handler:
        return lambda args: engine.set_enabled(what, indices_arg(args, "output"), on)

    def delete_for_output(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("deleteExamplesForOutput takes one output number (1-based)")
        engine.delete_examples_for_output(index_arg(args[0], "output"))

    def select_inputs(args: Sequence[Any]) -> None:
        if len(args) < 2:
            raise EngineError("selectInputsForOutput takes an output, then its inputs (1-based)")
        engine.select_inputs(index_arg(args[0], "output"), indices_arg(args[1:], "input"))

    def set_outputs(args: Sequence[Any]) -> None:
        engine.set_values([number_arg(a, "an output value") for a in args])

    def set_model(args: Sequence[Any]) -> None:
        if len(args) < 2:
            raise EngineError(
                "setModel takes an output number, a model type, then name value pairs"
            )
        engine.set_model(index_arg(args[0], "output"), _model_settings(args[1:]))

    def delete_round(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("deleteRound takes one round number")
        round_ = index_arg(args[0], "round") + 1
        if not len(engine.delete_round(round_)):
            raise EngineError(f"no round {round_:g}: nothing deleted")

    def transport(name: str) -> Handler:
        def handler(args: Sequence[Any]) -> None:
            if len(args) != 1:
                raise EngineError(f"{name} takes one number of seconds")
            engine.set_transport(**{name: number_arg(args[0], name)})

        return handler

    def delete_example(args: Sequence[Any]) -> None:
        if len(args) != 2:
            raise EngineError("deleteExample takes a round number and a row within that round")
        round_, row = index_arg(args[0], "round") + 1, index_arg(args[1], "row")
        snap = engine.examples.snapshot()
        ids = snap.ids[snap.rounds == round_]
        if not 0 <= row < len(ids):
            raise EngineError(f"round {round_} has {len(ids)} rows, no row {row + 1}")
        engine.delete_examples([int(ids[row])])

    def set_limits(args: Sequence[Any]) -> None:
        if len(args) not in (3, 4):
            raise EngineError("setLimits takes an output, min, max and optionally hard (0/1)")
        hard = None if len(args) == 3 else bool(number_arg(args[3], "hard"))
        j = index_arg(args[0], "output")
        engine.set_limits(j, number_arg(args[1], "min"), number_arg(args[2], "max"), hard)

    def set_classes(args: Sequence[Any]) -> None:
        if len(args) != 2:
            raise EngineError("setClasses takes an output and a class count")
        engine.set_classes(index_arg(args[0], "output"), index_arg(args[1], "classes") + 1)

    def evaluate(args: Sequence[Any]) -> None:
        outputs = indices_arg(args, "output") if args else list(range(engine.n_outputs))
        for j in outputs:
            engine.check_output(j)

        def work() -> None:  # fits several models: never on the receive thread
            for j in outputs:  # one reply per output asked for, so never merged
                try:
                    e = engine.evaluate(j)
                except EngineError as err:
                    engine.send_message("/mapper/evaluation", [j + 1.0, -1.0, 0.0, 0.0])
                    engine.counters.control_errors += 1
                    engine.counters.last_control_error = f"evaluate: {err}"
                    continue
                engine.send_message("/mapper/evaluation", [j + 1.0, e.value, e.examples, e.folds])

        jobs.submit("evaluate", work)  # dropped and counted when too many wait

    def nearest(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("nearest takes one output number")
        j = index_arg(args[0], "output")
        flat: list[float] = [j + 1.0]
        for n in engine.nearest(j):
            flat += [float(n.round), float(n.row), n.share]
        engine.send_message("/mapper/nearest", flat)

    return {
        WEK + "startRecording": simple(engine.start_recording),
        WEK + "stopRecording": simple(engine.stop_recording),
        WEK + "train": simple(engine.train),
        WEK + "cancelTrain": simple(engine.cancel_training),
        WEK + "startRunning": simple(engine.start_running),
        WEK + "stopRunning": simple(engine.stop_running),
        WEK + "deleteAllExamples": simple(engine.delete_all_examples),
        WEK + "deleteExamplesForOutput": delete_for_output,
        WEK + "enableModelRecording": toggle("record", True),
        WEK + "disableModelRecording": toggle("record", False),
        WEK + "enableModelRunning": toggle("run", True),
        WEK + "disableModelRunning": toggle("run", False),
        WEK + "setInputNames": lambda args: engine.set_input_names(_strings(args)),
        WEK + "setOutputNames": lambda args: engine.set_output_names(_strings(args)),
        WEK + "selectInputsForOutput": select_inputs,
        WEK + "outputs": set_outputs,
        OURS + "enableModelTraining": toggle("train", True),
        OURS + "disableModelTraining": toggle("train", False),
        OURS + "enableProbabilities": toggle("probabilities", True),
        OURS + "disableProbabilities": toggle("probabilities", False),
        OURS + "setModel": set_model,
        OURS + "randomize": simple(engine.randomize),
        OURS + "deleteRound": delete_round,
        OURS + "record": simple(engine.record_take),
        OURS + "setCountIn": transport("count_in"),
        OURS + "setRecordFor": transport("record_for"),
        OURS + "setSmoothing": transport("smoothing"),
        OURS + "deleteLastRound": simple(engine.delete_last_round),
        OURS + "restoreRound": simple(engine.restore_round),
        OURS + "deleteExample": delete_example,
        OURS + "setLimits": set_limits,
        OURS + "setClasses": set_classes,
        OURS + "evaluate": evaluate,
        OURS + "nearest": nearest,
    }


def allowed_path(text: Any, allowed: Sequence[Path]) -> Path:
    """A folder named over OSC, if it lies inside one the user allowed (--allow-dir);
    relative paths are taken inside the first allowed folder. EngineError otherwise, and for
    a path with control characters (escapes, line breaks), which no folder name needs."""
    if not isinstance(text, str) or not text.strip():
        raise EngineError("give a project folder path (a string)")
    if not text.isprintable():  # a folder named with terminal escapes would print them later
        raise EngineError(f"{printable(text)}: a path with control characters is refused")
    if not allowed:
        raise EngineError(
            "saving and opening by path over OSC is off: start mapper headless with "
            "--allow-dir DIR to allow project folders inside DIR"
        )
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = allowed[0] / path
    real = path.resolve()
    for folder in allowed:
        base = folder.expanduser().resolve()
        if real != base and real.is_relative_to(base):
            return real
    raise EngineError(
        f"{printable(text)} is outside the folders allowed with --allow-dir "
        f"({', '.join(str(a) for a in allowed)}): refused"
    )


def make_project_controls(
    engine: Engine,
    jobs: JobRunner,
    allowed: Sequence[Path],
    save: Callable[[], object] | None,
    save_as: Callable[[Path], object],
    open_project: Callable[[Path, bool], object],
) -> dict[str, Handler]:
    """`/mapper/control/save [path]`, `/mapper/control/load path` and Wekinator's
    `/wekinator/control/runNewProject path`, for a Session. Paths must lie inside `allowed`;
    `save_as` must refuse a folder that is not new or empty (it runs on a worker: the
    receive thread never lists folders).
    `save` (None without a project folder) must return at once: it runs on the receive thread.
    The disk work runs on `jobs`' workers (kinds "save-as" and "open"; the same folder asked
    for again while waiting is one job); a failure there is logged and counted as a control
    error of `engine` (the project still playing)."""

    def later(kind: str, what: str, folder: Path, work: Callable[[], object]) -> None:
        run_later(engine, jobs, kind, f"{what} {printable(folder)}", work, key=(what, folder))

    def do_save(args: Sequence[Any]) -> None:
        if not args:
            if save is None:
                raise EngineError("no project folder to save to: give a path (save PATH)")
            save()
            return
        if len(args) != 1:
            raise EngineError("save takes no argument, or one project folder path")
        folder = allowed_path(args[0], allowed)
        later("save-as", "save", folder, lambda: save_as(folder))

    def opener(name: str, run: bool) -> Handler:
        def handler(args: Sequence[Any]) -> None:
            if not args or (len(args) > 1 and not run):
                raise EngineError(f"{name} takes one project folder path")
            folder = allowed_path(args[0], allowed)  # runNewProject's optional mode is ignored
            if folder.suffix == ".wekproj" or (folder / "inputConfig.xml").exists():
                raise EngineError(
                    f"{folder} is a Wekinator project: convert it first with "
                    "`mapper import-wekinator WEKINATOR_DIR NEW_PROJECT_DIR`"
                )
            if folder.name == "project.json":
                folder = folder.parent
            later("open", name, folder, lambda: open_project(folder, run))

        return handler

    return {
        OURS + "save": do_save,
        OURS + "load": opener("load", False),
        WEK + "runNewProject": opener("runNewProject", True),
    }
