"""The engine's plain data: its modes, a model's state, the counters, a trained model, one kNN
neighbour, the training status. Values with no behaviour beyond a derived total; the frozen ones
are replaced, never changed, so any thread can read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class Mode(str, Enum):
    IDLE = "idle"
    COUNT_IN = "counting in"
    RECORDING = "recording"
    RUNNING = "running"
    RECORDING_GESTURE = "recording a gesture"


class ModelState(str, Enum):
    UNTRAINED = "untrained"
    TRAINED = "trained"
    STALE = "needs training"
    TRAINING = "training"


@dataclass
class Counters:
    """Running totals; rates are their differences over time (see mapper.cli.status_line)."""

    frames_in: int = 0
    recorded: int = 0
    outputs_sent: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    last_reject: str = ""
    unknown_addresses: int = 0
    malformed: int = 0
    control_errors: int = 0
    control_dropped: int = 0  # control jobs (evaluations, save-as, opening) refused: too many
    send_errors: int = 0
    save_errors: int = 0
    held_outputs: int = 0  # frames whose model answer was NaN or infinite: outputs held
    internal_errors: int = 0
    last_control_error: str = ""
    last_latency: float = 0.0  # seconds from a frame handed to the engine to its outputs sent

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass(frozen=True)
class Trained:
    """A fitted model with the input selection and the example ids it was trained on, and
    those examples' inputs ready for novelty (mapper.core.novelty)."""

    model: Any
    input_idx: np.ndarray | None  # None = every input, in order
    example_ids: np.ndarray
    known: Any = None  # a SearchIndex of the examples' inputs (None: no novelty)


@dataclass(frozen=True)
class Neighbour:
    """One recorded example behind a kNN output: where it is and how much it counts."""

    example_id: int
    round: int
    row: int  # 1-based position within its round
    share: float  # 0..1, the shares of one output's neighbours sum to 1


@dataclass(frozen=True)
class TrainingStatus:
    active: bool = False
    done: int = 0
    total: int = 0
    output: str = ""  # the output being fitted (the first of those fitted together)
    together: int = 1  # how many outputs are fitted together now
    error: str = ""

    @property
    def fitting(self) -> str:
        """What is being fitted, as a musician reads it: 'pitch', or 'pitch and 15 more'."""
        more = self.together - 1
        return self.output + (f" and {more} more" if more > 0 else "")
