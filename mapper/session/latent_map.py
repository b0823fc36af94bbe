"""The latent map of a sound model: the training audio's latent points, which a model made by
`mapper generator train sound` keeps in its `latent_map` buffer (points, latent size), read
from the playing generator; and the outputs set to one of those points, so the artist can
audition that spot of the training sound and record a gesture for it (the TUI's map, `z`;
`/mapper/control/latentPoint K`).

latent-1 and latent-2 are the model's two principal axes (-2..2 covers the training sound),
so a map of the points on them is a picture of the sound. A RAVE export has no such buffer:
it has no map (None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mapper.core.engine import Engine, EngineError
from mapper.generators.latent import Steered
from mapper.generators.player import Player

if TYPE_CHECKING:
    from mapper.session.session import Session

NO_MAP = (
    "no latent map: that needs a model made by `mapper generator train sound` playing "
    "(a RAVE export has none)"
)


def latent_points(player: Player | None) -> np.ndarray | None:
    """The playing model's map, (points, latent size) float64, or None: no neural audio model
    plays, or its model keeps no map (a RAVE export), or an empty or broken one."""
    if player is None or player.audio is None or not isinstance(player, Steered):
        return None
    module = getattr(player.generator, "module", None)
    buffer = getattr(module, "latent_map", None)
    if buffer is None:
        return None
    try:
        points = np.array(buffer.detach().to("cpu").double().numpy(), dtype=np.float64)
    except Exception:  # not a tensor: a model's own attribute of that name
        return None
    size = len(player.latent_dims)
    if points.ndim != 2 or not len(points) or points.shape[1] != size:
        return None
    if not np.isfinite(points).all():
        return None
    return points


def plane(points: np.ndarray) -> np.ndarray:
    """The points on latent-1 (x) and latent-2 (y): (points, 2); y is 0 for a 1-D latent."""
    if points.shape[1] >= 2:
        return points[:, :2]
    return np.column_stack([points[:, 0], np.zeros(len(points))])


def nearest_point(points: np.ndarray, x: float, y: float) -> int:
    """The index of the point nearest (x, y) on latent-1 and latent-2."""
    xy = plane(points)
    return int(np.argmin((xy[:, 0] - x) ** 2 + (xy[:, 1] - y) ** 2))


def set_latent(engine: Engine, player: Player, latent: np.ndarray) -> None:
    """Set the outputs that steer `player` so that it plays `latent` (every steered dimension;
    the other outputs keep their values), sent at once as any hand-set values are: the same
    engine method as the TUI's sliders and /wekinator/control/outputs."""
    if not isinstance(player, Steered):
        raise EngineError("the generator playing is not steered by the outputs")
    engine.set_values(player.source.to_outputs(latent, engine.values))


def go_to_point(session: Session, k: int) -> np.ndarray:
    """Set the outputs to the map's point `k` (0-based); returns that latent vector.
    EngineError with no map, or no such point."""
    player = session.player
    points = latent_points(player)
    if player is None or points is None:
        raise EngineError(NO_MAP)
    if not 0 <= k < len(points):
        raise EngineError(f"no point {k + 1}: the latent map has points 1..{len(points)}")
    set_latent(session.engine, player, points[k])
    return points[k]
