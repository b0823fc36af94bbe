"""The drum model's panel: the current pattern as a 9 x 16 grid with the playhead, the tempo,
the device, and the latent point the outputs are steering."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text

from tui.widgets.text_panel import TextPanel

SOFT = 64  # velocities below this draw as a small square


class DrumPanel(TextPanel):
    """Hidden until a generator is attached; redrawn by the app's timer."""

    def show_player(self, player: Any) -> None:
        pattern: np.ndarray = np.asarray(player.pattern)  # (voices, steps) velocities
        step = int(player.step)
        state = "playing" if player.playing else "stopped (b plays)"
        self.border_title = f"Drum model · {player.bpm:g} BPM · {player.generator.device} · {state}"
        self.border_subtitle = "latent " + "  ".join(
            f"{v:+.2f}" for v in np.asarray(player.latent, dtype=float)
        )
        text = Text()
        name_w = max(len(v) for v in player.voices)
        for v, voice in enumerate(player.voices):
            text.append(f"{voice:<{name_w}} ", style="bold")
            for k in range(pattern.shape[1]):
                vel = int(pattern[v, k])
                ch = "█" if vel >= SOFT else ("▪" if vel else "·")
                style = "reverse" if k == step and player.playing else ""
                if vel:
                    style += " bold yellow" if vel >= SOFT else " yellow"
                text.append(ch, style=style.strip() or ("#7f7f7f" if not vel else ""))
                text.append(" " if k % 4 != 3 else "  ")
            if v < len(player.voices) - 1:
                text.append("\n")
        self.update(text)
