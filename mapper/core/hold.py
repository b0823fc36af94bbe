"""Hold when novel: an output whose input has gone somewhere never taught keeps its last value.

While an output's novelty (mapper.core.novelty) is above the threshold, it keeps the value it
last had from below it; when the input comes back, it glides from there to what its model
says over GLIDE seconds (a class output switches at once: classes do not glide; a whole-number
output glides in whole steps).
"""

from __future__ import annotations

from collections.abc import Sequence

from mapper.core.outputs import Output

GLIDE = 0.3  # seconds from the held value back to the model's, once the input returns
MAX_HOLD = 100.0  # the highest threshold (novelty 100: a hundred times the examples' spread)


class NoveltyHold:
    """`hold(out, novelty, threshold, now)` -> the outputs to send, held and gliding."""

    def __init__(self, outputs: Sequence[Output], last: Sequence[float]) -> None:
        self.outputs = list(outputs)
        self.reset(last)

    def reset(self, last: Sequence[float]) -> None:
        """Nothing held, no glide; `last` the values sent last (held from, if need be)."""
        n = len(self.outputs)
        sent = [float(v) for v in last[:n]]
        self.sent = sent + [0.0] * (n - len(sent))
        self.held = [False] * n
        self._glide: list[tuple[float, float] | None] = [None] * n  # (from value, start time)

    @property
    def holding(self) -> bool:
        return any(self.held)

    def __call__(
        self, out: list[float], novelty: Sequence[float], threshold: float, now: float
    ) -> list[float]:
        sent, held, glides = self.sent, self.held, self._glide
        for j, value in enumerate(out):
            if novelty[j] > threshold:
                held[j] = True
                glides[j] = None
                out[j] = sent[j]
                continue
            if held[j]:  # back from the unknown: glide from where it was held
                held[j] = False
                if not self.outputs[j].is_classifier:
                    glides[j] = (sent[j], now)
            glide = glides[j]
            if glide is not None:
                start, since = glide
                done = (now - since) / GLIDE
                if done >= 1.0:
                    glides[j] = None
                else:
                    out[j] = self.outputs[j].shape(start + (value - start) * done)
            sent[j] = out[j]
        return out
