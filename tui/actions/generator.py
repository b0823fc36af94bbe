"""The generator's keys: `b` starts and stops it, `[` and `]` change the drum model's tempo."""

from __future__ import annotations

from mapper.generators.player import Player
from tui.actions.base import Actions


class GeneratorActions(Actions):
    """The playing generator: a drum model (a sequencer with a tempo) or a neural audio model."""

    def _player(self) -> Player | None:
        session = self.mapper.session
        player = session.player if session else None
        if player is None:
            self.notify(
                "no generator here: start with mapper --generator rhythm (or torchscript:MODEL.ts)",
                severity="warning",
            )
        return player

    def action_beat(self) -> None:
        player = self._player()
        if player is not None:
            self._try("generator", player.stop if player.playing else player.start)

    def action_tempo(self, change: float) -> None:
        player = self._player()
        if player is not None and player.tempo is None:
            self.notify(
                "this generator has no tempo ([ and ] are the drum model's)", severity="warning"
            )
        elif player is not None and player.tempo is not None:
            tempo = player.tempo
            self._try("tempo", tempo.set_bpm, tempo.bpm + change)
