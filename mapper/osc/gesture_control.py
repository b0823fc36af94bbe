"""The temporal-gesture addresses: Wekinator's DTW recording, then ours under /mapper/control/.

Gesture numbers are 1-based, counted as the gestures' costs appear in `/wek/outputs` (set
after set; in a project with one gesture set, as in Wekinator, gesture k of that set). Set
numbers are 1-based too. Each handler checks its arguments and calls one Engine method.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mapper.core.engine import Engine, EngineError
from mapper.osc.control import OURS, WEK, Handler, index_arg, indices_arg, number_arg


def gesture_controls(engine: Engine) -> dict[str, Handler]:
    """The address -> handler table for an engine's gesture sets."""

    def start(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("startDtwRecording takes one gesture number (1-based)")
        engine.start_gesture_recording(index_arg(args[0], "gesture"))

    def threshold(args: Sequence[Any]) -> None:
        if len(args) == 1:
            engine.set_dtw_threshold(number_arg(args[0], "threshold"))
        elif len(args) == 2:
            engine.set_dtw_threshold(number_arg(args[1], "threshold"), index_arg(args[0], "set"))
        else:
            raise EngineError("setDtwThreshold takes a threshold, or a set number and one")

    def select(args: Sequence[Any]) -> None:
        if len(args) < 2:
            raise EngineError("selectDtwInputs takes a set number, then its inputs (1-based)")
        engine.select_dtw_inputs(index_arg(args[0], "set"), indices_arg(args[1:], "input"))

    def delete(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("deleteDtwExamples takes one gesture number (1-based)")
        engine.delete_gesture_examples(index_arg(args[0], "gesture"))

    def delete_take(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("deleteDtwTake takes one take number")
        if not engine.delete_gesture_take(index_arg(args[0], "take") + 1):
            raise EngineError(f"no take {args[0]}: nothing deleted")

    def progress(on: bool) -> Handler:
        return lambda args: engine.set_dtw_progress(on)

    def stop(args: Sequence[Any]) -> None:
        engine.stop_gesture_recording()

    return {
        WEK + "startDtwRecording": start,
        WEK + "stopDtwRecording": stop,
        OURS + "setDtwThreshold": threshold,
        OURS + "selectDtwInputs": select,
        OURS + "deleteDtwExamples": delete,
        OURS + "deleteDtwTake": delete_take,
        OURS + "enableDtwProgress": progress(True),
        OURS + "disableDtwProgress": progress(False),
    }
