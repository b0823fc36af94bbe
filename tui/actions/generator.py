"""The generator's keys: `b` starts and stops it, `[` and `]` change the drum model's tempo,
`z` shows the latent map of a trained sound model in place of the XY pad."""

from __future__ import annotations

from mapper.generators.player import Player
from mapper.session.latent_map import NO_MAP, go_to_point, latent_points
from tui.actions.base import Actions
from tui.widgets.latent_map import LatentMap
from tui.widgets.xypad import XYPad


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

    def action_toggle_latent_map(self) -> None:
        """The latent map in place of the XY pad (focused, for the arrow keys), or the pad
        again; only while a model with a map plays (else a note says what has one)."""
        session = self.mapper.session
        shown = self.query_one(LatentMap)
        if shown.display:
            shown.display = False
            self.query_one(XYPad).display = True
            return
        if session is None or latent_points(session.player) is None:
            self.notify(NO_MAP, severity="warning")
            return
        self.query_one(XYPad).display = False
        shown.display = True
        shown.show(session.player)
        shown.focus()

    def on_latent_map_picked(self, message: LatentMap.Picked) -> None:
        """A spot of the map picked: the outputs go to that training point (all the dimensions
        they steer), sent at once, as the sliders do: hear it, record a gesture for it."""
        session = self.mapper.session
        if session is not None:
            self._try("latent map", go_to_point, session, message.index)
