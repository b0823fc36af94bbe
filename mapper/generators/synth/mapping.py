"""Which of the mapping's outputs drive the built-in synth's pitch, brightness and voice.

By name first: an output called `pitch`, `brightness` or `voice` (any case) drives that.
Then by position, for what is left: the first continuous output not taken drives the pitch,
the next one the brightness, the first classifier output the voice. Whatever no output
drives stays put: the middle of the pitch range, brightness 0.5, the first timbre.

- pitch: the output's range, low to high, spans two octaves, LOW_HZ (A3) to 4 x LOW_HZ (A5);
- brightness: the output's range, low to high, is dark to bright;
- voice: class 1 a sine, 2 a sawtooth, 3 a square, 4 a triangle, 5 an organ, then again from
  the sine; 0 (no class) keeps the timbre it had.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mapper.core.outputs import Output
from mapper.generators.synth.voice import Sound, timbre_name

LOW_HZ = 220.0
OCTAVES = 2.0


# what the mapping depends on, per output: its name, whether it is a classifier, its range
# and its class count (read from the outputs as they are now: see SynthMapping.fits)
OutputShape = tuple[str, bool, float, float, int]


def shape_of(outputs: Sequence[Output]) -> tuple[OutputShape, ...]:
    return tuple((o.name, o.is_classifier, o.min, o.max, o.classes) for o in outputs)


@dataclass(frozen=True)
class SynthMapping:
    """Output numbers (0-based) for pitch, brightness and voice; None: nothing drives it."""

    pitch: int | None
    brightness: int | None
    voice: int | None
    ranges: tuple[tuple[float, float], ...]  # each output's (min, max)
    shape: tuple[OutputShape, ...] = ()  # the outputs it was worked out for

    @classmethod
    def of(cls, outputs: Sequence[Output]) -> SynthMapping:
        """The mapping for these outputs, as they are now: each one read once, so a change
        made meanwhile (another thread renames one) makes `fits` false, never half-seen."""
        shape = shape_of(outputs)
        names = [name.strip().lower() for name, *_ in shape]
        taken: dict[str, int] = {}
        for role in ("pitch", "brightness", "voice"):
            if role in names:
                taken[role] = names.index(role)
        free = [j for j in range(len(shape)) if j not in taken.values()]
        continuous = [j for j in free if not shape[j][1]]
        classifiers = [j for j in free if shape[j][1]]
        for role in ("pitch", "brightness"):
            if role not in taken and continuous:
                taken[role] = continuous.pop(0)
        if "voice" not in taken and classifiers:
            taken["voice"] = classifiers[0]
        return cls(
            taken.get("pitch"),
            taken.get("brightness"),
            taken.get("voice"),
            tuple((float(lo), float(hi)) for _, _, lo, hi, _ in shape),
            shape,
        )

    def fits(self, outputs: Sequence[Output]) -> bool:
        """Whether these outputs are still the ones it was worked out for (names, kinds,
        ranges, classes): a check for every audio block, so it reads attributes and compares,
        without a lock and without building anything. The engine changes an output in place
        (set_limits, set_output_names, set_classes), one attribute at a time, and never
        replaces its list of outputs."""
        if len(outputs) != len(self.shape):
            return False
        for o, (name, classifier, lo, hi, classes) in zip(outputs, self.shape):
            if (
                o.name != name
                or o.min != lo
                or o.max != hi
                or o.classes != classes
                or o.is_classifier != classifier
            ):
                return False
        return True

    def _unit(self, j: int | None, values: Sequence[float]) -> float:
        """Output j's value as 0..1 of its range (0.5 when nothing drives it)."""
        if j is None or j >= len(values):
            return 0.5
        lo, hi = self.ranges[j]
        u = (float(values[j]) - lo) / (hi - lo) if hi > lo else 0.5
        return min(max(u, 0.0), 1.0) if u == u else 0.5  # NaN: the middle

    def sound(self, values: Sequence[float], last: Sound | None = None) -> Sound:
        """What the synth plays for these output values (`last`: what it played before)."""
        pitch = LOW_HZ * 2.0 ** (OCTAVES * self._unit(self.pitch, values))
        brightness = self._unit(self.brightness, values)
        timbre = last.timbre if last is not None else 0
        if self.voice is not None and self.voice < len(values):
            label = float(values[self.voice])
            if math.isfinite(label) and round(label) >= 1:  # 0: no class, keep the timbre
                timbre = round(label) - 1
        return Sound(pitch, brightness, timbre)

    def describe(self, outputs: Sequence[Output]) -> str:
        """Which output drives what, in a line."""

        def name(j: int | None) -> str:
            return outputs[j].name if j is not None else "nothing"

        voices = ", ".join(f"{k + 1} {timbre_name(k)}" for k in range(3))
        return (
            f"pitch <- {name(self.pitch)} ({LOW_HZ:.0f}-{LOW_HZ * 2**OCTAVES:.0f} Hz), "
            f"brightness <- {name(self.brightness)}, voice <- {name(self.voice)} ({voices}, ...)"
        )
