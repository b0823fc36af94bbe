"""`mapper [PROJECT_DIR]`: parse the command line, find the project, then run the app."""

from __future__ import annotations

import argparse
import logging
import sys

from mapper.c_stderr import screen_apart
from mapper.cli.console import problem
from mapper.cli.parse import tui_options
from mapper.errors import MapperError, ProjectError
from mapper.generators.presets import GeneratorPreset, generator_preset
from mapper.osc.server import SWITCH_INTERVAL
from mapper.session.opening import find_project
from mapper.session.options import InstrumentOptions
from mapper.session.sound import demo_sound


def new_project_preset(options: InstrumentOptions) -> GeneratorPreset | None:
    """A new folder's outputs when --generator names them: one per latent dimension it
    steers, as `mapper headless DIR --generator ...` makes them (GeneratorError if it cannot)."""
    choice, play = options.play.generator, options.play
    if choice is None:
        return None
    return generator_preset(choice.kind, choice.model, options.folder, play.steer, play.bpm)


def run_tui(args: argparse.Namespace) -> int:
    from tui.app import MapperApp

    try:
        options = demo_sound(tui_options(args))  # the demos play on the speakers by default
        opening = find_project(options)
        preset = new_project_preset(options) if opening is None else None
    except MapperError as e:
        problem(str(e))
        return 1 if isinstance(e, ProjectError) else 2
    sys.setswitchinterval(SWITCH_INTERVAL)  # the receive thread gets the GIL back fast
    app = MapperApp(options, opening, preset)
    with screen_apart(logging.getLogger("mapper")):  # C libraries' stderr: never on screen
        app.run()
    return app.return_code or 0
