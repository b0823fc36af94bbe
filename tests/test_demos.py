"""The built-in demos as `mapper` opens them: the drums demo comes with recorded rounds, so
that once trained the XY pad steers the groove at once, each corner its own."""

from __future__ import annotations

import itertools
import time

import numpy as np

from mapper.session.demos import DRUM_POSES, drum_demo_project
from mapper.session.factory import open_instrument
from mapper.session.opening import find_project
from mapper.session.options import GeneratorChoice, InstrumentOptions, NetworkOptions, PlayOptions


def drums_demo() -> InstrumentOptions:
    return InstrumentOptions(
        network=NetworkOptions(("127.0.0.1", 0), ("127.0.0.1", 9)),
        play=PlayOptions(generator=GeneratorChoice.parse("rhythm"), audio=False),
        demo=True,
    )


def test_the_drums_demo_has_a_round_for_the_centre_and_each_corner():
    project, rows = drum_demo_project(None)
    rounds = {int(r) for r in rows.rounds}
    assert rounds == {1, 2, 3, 4, 5}
    for k, ((x, y), _) in enumerate(DRUM_POSES, start=1):
        frames = rows.inputs[rows.rounds == k]
        assert np.allclose(frames.mean(axis=0), [x, y], atol=0.02)
    assert project.values == [float(v) for v in rows.outputs[0]]  # it starts at the centre


def test_once_trained_each_corner_of_the_pad_plays_its_own_groove():
    options = drums_demo()
    instrument = open_instrument(options, find_project(options), strict=False)
    session = instrument.session
    try:
        engine, player = session.engine, session.player
        assert player is not None and instrument.training  # the rounds train at start
        assert engine.wait_for_training(timeout=60.0)
        engine.start_running()
        grooves = {}
        for (x, y), style in DRUM_POSES:
            for _ in range(40):  # the hand held there a while: past the demo's glide (0.1 s)
                engine.process_frame([x, y])
                time.sleep(0.01)
            grooves[style] = player.generator.decode(player.latent) > 0  # the hits it plays
            styles = player.generator.styles  # type: ignore[attr-defined]  # the style's groove
            wanted = player.generator.decode(styles[style]) > 0
            assert np.sum(grooves[style] != wanted) <= 4, style  # the pose plays its style
        for a, b in itertools.combinations(grooves, 2):
            differ = int(np.sum(grooves[a] != grooves[b]))
            assert differ >= 6, f"{a} and {b} differ in only {differ} cells"
    finally:
        session.close()
