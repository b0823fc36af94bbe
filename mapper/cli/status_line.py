"""One compact status line from the engine's counters: state, examples, rates, rejects."""

from __future__ import annotations

import time

from mapper.core.engine import Engine, ModelState


class StatusLine:
    """Turns counter totals into per-second rates between two calls."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._last_time = time.monotonic()
        self._last_in = engine.counters.frames_in
        self._last_out = engine.counters.outputs_sent

    def line(self) -> str:
        e, c = self.engine, self.engine.counters
        now = time.monotonic()
        dt = max(now - self._last_time, 1e-9)
        rate_in = (c.frames_in - self._last_in) / dt
        rate_out = (c.outputs_sent - self._last_out) / dt
        self._last_time, self._last_in, self._last_out = now, c.frames_in, c.outputs_sent
        if e.training.active:
            state = f"training {e.training.done}/{e.training.total} ({e.training.fitting})"
        else:
            state = e.mode.value
            if e.mode.value == "recording":
                state += f" round {e.round}"
            elif e.gestures.taking >= 0:
                state = f"recording gesture {e.gestures.taking + 1}"
        trained = sum(s is ModelState.TRAINED for s in e.model_states)
        parts = [
            state,
            f"examples {len(e.examples)}",
            f"trained {trained}/{e.n_outputs}",
            f"in {rate_in:.0f}/s out {rate_out:.0f}/s",
            f"rejected {c.rejected_total}",
        ]
        if e.gestures.sets:  # after the examples: the takes, and the gesture matched last
            held = zip(e.gestures.sets, e.gestures.matched())
            playing = [gs.gesture_name(k) for gs, k in held if k >= 0]
            parts.insert(2, f"gesture takes {len(e.gestures.takes)}")
            if playing and e.mode.value == "running":
                parts.insert(3, "matched " + ", ".join(playing))
        if e.mode.value == "running" and e.last_novelty is not None:
            parts.insert(-2, f"novelty {e.last_novelty:.2f}" + (" held" if any(e.held) else ""))
        if c.rejected_total:
            parts[-1] += f" (last: {c.last_reject})"
        extras = [
            f"{label} {count}"
            for label, count in (
                ("unknown addresses", c.unknown_addresses),
                ("malformed", c.malformed),
                ("control errors", c.control_errors),
                ("control dropped", c.control_dropped),
                ("send errors", c.send_errors),
                ("save errors", c.save_errors),
                ("outputs held", c.held_outputs),
                ("internal errors", c.internal_errors),
            )
            if count
        ]
        return " | ".join(parts + extras)
