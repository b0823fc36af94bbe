"""The drum model's panel: the current pattern as a 9 x 16 grid with the playhead, the tempo,
the device, the latent point the outputs are steering, and the bookmark playing (★ name)."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text

from tui.widgets.text_panel import TextPanel

SOFT = 64  # velocities below this draw as a small square


class DrumPanel(TextPanel):
    """Hidden until a generator is attached; redrawn by the app's timer. Where the panel is
    narrow (beside the XY pad in a small terminal), the steps go without spaces between them
    and the title and the latent point shorten."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._titles = ("", "")

    def show_player(self, player: Any, bookmark: str | None = None) -> None:
        """The player's pattern and figures; `bookmark`: the name of the bookmark whose point
        plays now, if any (on the bottom border, before the latent point where it fits)."""
        pattern: np.ndarray = np.asarray(player.pattern)  # (voices, steps) velocities
        step = int(player.step)
        steps = pattern.shape[1]
        name_w = max(len(v) for v in player.voices)
        width = self.content_size.width or self.app.size.width
        spaced = name_w + 1 + 2 * steps + steps // 4 <= width
        # a step's cells where the panel is wide (full width under the outputs): up to 5
        cell = min(max((width - name_w - 1 - steps // 4) // steps, 2), 5) if spaced else 1
        if not spaced:  # then the voices' names give way, down to 3 letters
            name_w = max(min(name_w, width - 1 - steps - (steps - 1) // 4), 3)
        latent = np.asarray(player.latent, dtype=float)
        point = "  ".join(f"{v:+.2f}" for v in latent)
        if spaced:
            state = "playing" if player.playing else "stopped (b plays)"
            titles = (
                f"Drum model · {player.bpm:g} BPM · {player.generator.device} · {state}",
                (f"★ {bookmark} · " if bookmark else "") + "latent " + point,
            )
        else:
            state = "▶ playing" if player.playing else "■ b plays"
            title = f"Drums · {player.bpm:g} BPM · {state}"
            if len(title) + 4 > self.size.width:  # the border's corners and spaces
                title = f"{player.bpm:g} BPM · {state}"
            titles = (  # the bookmark's name, where one plays, in the latent point's place
                title,
                f"★ {bookmark}" if bookmark else " ".join(f"{v:+.2f}" for v in latent),
            )
        if titles != self._titles:  # setting a border title refreshes, even the same one
            self._titles = titles
            self.border_title, self.border_subtitle = titles
        text = Text()
        for v, voice in enumerate(player.voices):
            text.append(f"{voice[:name_w]:<{name_w}} ", style="bold")
            for k in range(steps):
                vel = int(pattern[v, k])
                ch = "█" if vel >= SOFT else ("▪" if vel else "·")
                style = "reverse" if k == step and player.playing else ""
                if vel:
                    style += " bold yellow" if vel >= SOFT else " yellow"
                text.append(ch, style=style.strip() or ("#7f7f7f" if not vel else ""))
                if spaced:
                    text.append(" " * (cell - 1) + (" " if k % 4 == 3 else ""))
                elif k % 4 == 3 and k < steps - 1:
                    text.append(" ")
            if v < len(player.voices) - 1:
                text.append("\n")
        self.update(text)
