"""The control addresses: Wekinator's `/wekinator/control/...`, then ours under `/mapper/...`.

Each handler takes the message's arguments, checks them, and calls one public Engine method,
the same method the TUI calls. A bad argument raises EngineError with a message for the user.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from mapper.engine import Engine, EngineError

Handler = Callable[[Sequence[Any]], None]
WEK = "/wekinator/control/"
OURS = "/mapper/control/"


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EngineError(f"{what} must be a number, not {value!r}")
    return float(value)


def _index(value: Any, what: str) -> int:
    """A 1-based number from OSC (int, or a float holding a whole number) -> 0-based."""
    number = _number(value, what)
    if not math.isfinite(number) or number != int(number):
        raise EngineError(f"{what} must be a whole number, not {value!r}")
    return int(number) - 1


def _indices(args: Sequence[Any], what: str) -> list[int]:
    if not args:
        raise EngineError(f"give at least one {what} number (1-based)")
    return [_index(a, what) for a in args]


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
        settings[str(name)] = value
    return settings


def make_controls(engine: Engine, save: Callable[[], object] | None = None) -> dict[str, Handler]:
    """The address -> handler table for one engine. `save` saves the project, if there is one.

    `save` must return at once (it runs on the receive thread): see mapper.saving.
    """

    def simple(method: Callable[[], object]) -> Handler:
        def handler(args: Sequence[Any]) -> None:
            method()

        return handler

    def toggle(what: str, on: bool) -> Handler:
        return lambda args: engine.set_enabled(what, _indices(args, "output"), on)

    def delete_for_output(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("deleteExamplesForOutput takes one output number (1-based)")
        engine.delete_examples_for_output(_index(args[0], "output"))

    def select_inputs(args: Sequence[Any]) -> None:
        if len(args) < 2:
            raise EngineError("selectInputsForOutput takes an output, then its inputs (1-based)")
        engine.select_inputs(_index(args[0], "output"), _indices(args[1:], "input"))

    def set_outputs(args: Sequence[Any]) -> None:
        engine.set_values([_number(a, "an output value") for a in args])

    def set_model(args: Sequence[Any]) -> None:
        if len(args) < 2:
            raise EngineError(
                "setModel takes an output number, a model type, then name value pairs"
            )
        engine.set_model(_index(args[0], "output"), _model_settings(args[1:]))

    def delete_round(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("deleteRound takes one round number")
        engine.delete_round(_index(args[0], "round") + 1)

    def do_save(args: Sequence[Any]) -> None:
        if save is None:
            raise EngineError("no project folder to save to: start with `mapper headless DIR`")
        if args:
            raise EngineError("saving to another path is not supported yet; save takes no path")
        save()

    def run_new_project(args: Sequence[Any]) -> None:
        raise EngineError("runNewProject is not supported yet: start `mapper headless DIR`")

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
        WEK + "runNewProject": run_new_project,
        OURS + "enableModelTraining": toggle("train", True),
        OURS + "disableModelTraining": toggle("train", False),
        OURS + "enableProbabilities": toggle("probabilities", True),
        OURS + "disableProbabilities": toggle("probabilities", False),
        OURS + "setModel": set_model,
        OURS + "randomize": simple(engine.randomize),
        OURS + "deleteRound": delete_round,
        OURS + "save": do_save,
    }
