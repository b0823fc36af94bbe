"""`mapper [PROJECT_DIR]`: check the command line and the project, then run the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mapper.generators import headless as generator_options
from mapper.generators.base import GeneratorError
from mapper.headless import SWITCH_INTERVAL, UsageError, runtime_settings
from mapper.project import PROJECT_FILE, ProjectError, load_project


def run_tui(args: argparse.Namespace) -> int:
    from tui.app import MapperApp
    from tui.demo import demo_project, drum_demo_project, neural_demo_project

    folder = Path(args.project).expanduser() if args.project else None
    try:
        asked = generator_options.parse_generator(args.generator) if folder is None else None
        if asked is not None and asked[0] == generator_options.TORCHSCRIPT:
            opening = neural_demo_project(str(asked[1]), getattr(args, "steer", None))
        elif folder is None and args.generator:
            opening = drum_demo_project(args.bpm)
        elif folder is None:
            opening = demo_project()
        elif (folder / PROJECT_FILE).exists():
            opening = load_project(folder)
        elif folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise UsageError(f"{folder} exists but holds no {PROJECT_FILE}: not a project folder")
        else:
            opening = None  # a new project: the app asks for its inputs and outputs
        base = opening[0].osc if opening else None
        from mapper.osc.settings import OSCSettings

        osc = runtime_settings(base or OSCSettings(), args) if (args.listen or args.send) else None
        generator_options.check_options(args, opening[0].generator if opening else None)
    except (UsageError, ProjectError, GeneratorError) as e:
        print(f"mapper: {e}", file=sys.stderr)
        return 1 if isinstance(e, ProjectError) else 2
    sys.setswitchinterval(SWITCH_INTERVAL)  # the receive thread gets the GIL back fast
    app = MapperApp(opening, folder, osc, pad_on=folder is None, generator=args)
    app.run()
    return app.return_code or 0
