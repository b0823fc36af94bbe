"""The sequencer's hits and patterns as OSC, to the same target as /wek/outputs.

/mapper/rhythm/hit      i i    voice (1-9: kick snare closed-hat open-hat low-tom mid-tom
                               high-tom crash ride), velocity (1-127); one per hit, on time
/mapper/rhythm/pattern  i x144 the whole bar when it changes: the 16 velocities (0 = rest)
                               of voice 1, then voice 2, ... (voice-major)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mapper.generators.controls import MessageSender

HIT = "/mapper/rhythm/hit"
PATTERN = "/mapper/rhythm/pattern"


class OSCRhythmSink:
    """Sends through an OSCSender (the session's: same socket, same target, errors counted)."""

    def __init__(self, sender: MessageSender) -> None:
        self._sender = sender

    def pattern(self, velocities: np.ndarray) -> None:
        flat = velocities.reshape(-1).tolist()
        self._sender.send_message(PATTERN, flat, "i" * len(flat))

    def hits(self, step: int, hits: Sequence[tuple[int, int]]) -> None:
        for voice, velocity in hits:
            self._sender.send_message(HIT, (voice + 1, velocity), "ii")
