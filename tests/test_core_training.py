"""Training on its own: models swapped in at once, cancel keeps the old ones, failures reported.

The tests hold the trainer's lock (the engine's, in the instrument) while they start, cancel
or change things, so the training cannot swap its models in before they have acted.
"""

from __future__ import annotations

import threading

import pytest

from mapper.core.examples import ExampleStore
from mapper.core.outputs import Output
from mapper.core.state import ModelState
from mapper.core.training import Trainer
from mapper.errors import EngineError


class Rig:
    """A trainer over a store of examples, with its swaps and events written down."""

    def __init__(self, outputs: list[Output]) -> None:
        self.outputs = outputs
        self.store = ExampleStore(1, len(outputs))
        self.lock = threading.RLock()
        self.swaps = 0
        self.events: list[tuple[str, str]] = []
        self.trainer = Trainer(1, len(outputs), self.lock, self._swapped, self._event)

    def _swapped(self) -> None:
        self.swaps += 1

    def _event(self, name: str, detail: str) -> None:
        self.events.append((name, detail))

    def record(self, x: float, values: list[float]) -> None:
        self.store.append([x], values, [True] * len(values), 1, 0.0)
        self.trainer.mark_changed(range(len(values)))

    def train(self) -> None:
        self.trainer.start(self.outputs, self.store)
        assert self.trainer.wait(30)


def knn_rig() -> Rig:
    rig = Rig([Output("level", model={"type": "knn", "k": 1})])
    rig.record(0.0, [0.2])
    rig.record(1.0, [0.8])
    return rig


def test_training_swaps_the_new_models_in_and_says_so():
    rig = knn_rig()
    rig.train()
    assert rig.trainer.trained[0] is not None
    assert rig.trainer.trained[0].model.predict_one([0.9]) == pytest.approx(0.8)
    assert rig.trainer.states == [ModelState.TRAINED]
    assert rig.swaps == 1
    assert rig.events == [("training-done", "")]
    assert not rig.trainer.active


def test_a_cancelled_training_keeps_the_old_models():
    rig = knn_rig()
    rig.train()
    old = rig.trainer.trained
    rig.record(0.5, [0.5])
    with rig.lock:
        assert rig.trainer.start(rig.outputs, rig.store) == ["level"]
        assert rig.trainer.states == [ModelState.TRAINING]
        assert rig.trainer.cancel()
    assert rig.trainer.wait(30)
    assert rig.trainer.trained is old
    assert rig.trainer.states == [ModelState.STALE]  # it still needs the training it missed
    assert rig.trainer.status.error == "training cancelled"
    assert rig.events[-1] == ("training-cancelled", "")
    assert rig.swaps == 1
    assert not rig.trainer.cancel()  # nothing left to cancel


def test_a_change_made_while_training_leaves_the_new_model_needing_training():
    rig = knn_rig()
    with rig.lock:
        rig.trainer.start(rig.outputs, rig.store)
        with pytest.raises(EngineError, match="already training"):
            rig.trainer.start(rig.outputs, rig.store)
        rig.record(0.5, [0.5])  # a new example arrives while it trains
    assert rig.trainer.wait(30)
    assert rig.trainer.trained[0] is not None  # the new model plays...
    assert rig.trainer.states == [ModelState.STALE]  # ...but does not know the new example


def test_a_training_failure_is_reported_and_the_other_outputs_still_train():
    rig = Rig([Output("level", model={"type": "knn", "k": 1}), Output("pose", kind="classifier")])
    rig.record(0.0, [0.2, 0.0])  # class 0 is "no class": the classifier has nothing to learn
    rig.record(1.0, [0.8, 0.0])
    rig.train()
    assert rig.trainer.states == [ModelState.TRAINED, ModelState.UNTRAINED]
    assert rig.trainer.trained[1] is None
    name, detail = rig.events[-1]
    assert name == "training-done" and detail.startswith("pose: ")
    assert rig.trainer.status.error == detail
    rig.outputs[0].train = False  # now only the failing output is asked to train
    rig.train()
    assert rig.events[-1][0] == "training-failed"
    assert not rig.trainer.active


def test_nothing_to_train_on_says_so():
    rig = Rig([Output("level")])
    with pytest.raises(EngineError, match="nothing to train"):
        rig.trainer.start(rig.outputs, rig.store)
    assert not rig.trainer.active
