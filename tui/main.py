"""`mapper [PROJECT_DIR]`: check the command line and the project, then run the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mapper.generators import headless as generator_options
from mapper.generators.base import GeneratorError
from mapper.headless import SWITCH_INTERVAL, UsageError, runtime_settings
from mapper.project import PROJECT_FILE, ProjectError, load_project

if TYPE_CHECKING:
    from tui.screens.new_project import GeneratorOutputs


def generator_outputs(args: argparse.Namespace, folder: Path) -> GeneratorOutputs:
    """A new project's outputs for `--generator`: one per latent dimension it steers, as
    `mapper headless DIR --generator ...` makes them (GeneratorError if it cannot)."""
    from tui.screens.new_project import GeneratorOutputs

    wanted = argparse.Namespace(**{**vars(args), "outputs": None, "type": None})
    outputs, values = generator_options.new_project_outputs(wanted)
    spec = generator_options.new_project_spec(wanted, folder, len(outputs))
    names = f"{outputs[0].name}..{outputs[-1].name}" if len(outputs) > 1 else outputs[0].name
    ranges = {(o.min, o.max) for o in outputs}
    span = f"{outputs[0].min:g}..{outputs[0].max:g}" if len(ranges) == 1 else "each its own range"
    about = (
        f"outputs: {len(outputs)}, one per latent dimension the generator steers ({names}, "
        f"continuous, {span})"
    )
    return GeneratorOutputs(outputs, values, spec, about)


def run_tui(args: argparse.Namespace) -> int:
    from tui.app import MapperApp
    from tui.demo import demo_project, drum_demo_project, neural_demo_project

    folder = Path(args.project).expanduser() if args.project else None
    new_outputs = None
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
            new_outputs = generator_outputs(args, folder) if args.generator else None
        base = opening[0].osc if opening else None
        from mapper.osc.settings import OSCSettings

        osc = runtime_settings(base or OSCSettings(), args) if (args.listen or args.send) else None
        generator_options.check_options(args, opening[0].generator if opening else None)
    except (UsageError, ProjectError, GeneratorError) as e:
        print(f"mapper: {e}", file=sys.stderr)
        return 1 if isinstance(e, ProjectError) else 2
    sys.setswitchinterval(SWITCH_INTERVAL)  # the receive thread gets the GIL back fast
    app = MapperApp(
        opening, folder, osc, pad_on=folder is None, generator=args, new_outputs=new_outputs
    )
    app.run()
    return app.return_code or 0
