"""The `mapper` command. Imports stay light here; each command imports what it needs."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from mapper import __version__
from mapper.cli import generator_args as generator_cli

HEADLESS_HELP = """\
Run the engine without a UI, controlled entirely over OSC (Wekinator's protocol).

Inputs arrive as /wek/inputs with one number per input (float, double or int); outputs go out
as one /wek/outputs message with one float32 per output. Control it with Wekinator's
/wekinator/control/... messages (startRecording, train, startRunning, outputs, ...) and ours
under /mapper/control/... (save, randomize, setModel, ...); see the README for every address.

It prints one line when ready, then at most one status line per second while something
changes. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops it cleanly, saving the project if there
is one.

examples:
  mapper headless --inputs 3 --outputs 2
  mapper headless --inputs 2 --outputs 1 --type classifier --classes 4
  mapper headless --inputs 2 --type dtw --gestures 3      # temporal gestures (DTW)
  mapper headless my-instrument --inputs 3 --outputs 2     # creates my-instrument/
  mapper headless my-instrument --run                      # opens it, trains, runs
  mapper headless my-phone --source gyrosc --outputs 2 --listen 0.0.0.0:6448
"""


TUI_EXAMPLES = """\
examples:
  mapper                                        # the demo: the XY pad plays a small synth
  mapper my-instrument                          # open it, or make it (a form asks)
  mapper my-instrument --send 127.0.0.1:57120   # outputs to SuperCollider's port
  mapper --listen 0.0.0.0:6448                  # let a phone on this network send inputs
  mapper --generator rhythm                     # the XY pad steers the drum model
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mapper",
        description="gesture-mapper: teach a mapping from gestures to sound by demonstration.",
        epilog="`mapper` alone opens the terminal UI on a built-in demo; `mapper PROJECT_DIR` "
        "opens (or creates) a project in it. `mapper COMMAND --help` explains a command.",
    )
    parser.add_argument("--version", action="version", version=f"gesture-mapper {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    h = commands.add_parser(
        "headless",
        help="run the engine without a UI, controlled over OSC",
        description=HEADLESS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    h.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        help="project folder: opened if it exists, created from the counts if not; "
        "saved on exit and on /mapper/control/save",
    )
    h.add_argument("--inputs", type=int, metavar="N", help="number of inputs (new projects)")
    h.add_argument("--outputs", type=int, metavar="M", help="number of outputs (new projects)")
    h.add_argument(
        "--type",
        choices=("continuous", "classifier", "dtw"),
        help="output type for new projects (default: continuous, range 0..1; dtw: gesture "
        "sets matched by dynamic time warping, --outputs of them, default 1)",
    )
    h.add_argument(
        "--gestures",
        type=int,
        metavar="K",
        help="gestures per gesture set (new projects; default 3 with --type dtw); with "
        "continuous or classifier outputs, adds one gesture set of K beside them",
    )
    h.add_argument(
        "--classes",
        type=int,
        metavar="K",
        help="classes per classifier output, for new projects (default 2)",
    )
    h.add_argument(
        "--model",
        metavar="TYPE",
        help="model for every output of a new project (default: mlp for continuous, knn for "
        "classifier; also knn, linear, polynomial / svm, tree, adaboost, naive_bayes, mlp)",
    )
    h.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="where to receive inputs and control messages (default 127.0.0.1:6448, or the "
        "project's); for this run only, not saved. A non-loopback host lets anyone on that "
        "network play and edit the instrument",
    )
    h.add_argument(
        "--send",
        metavar="HOST:PORT",
        help="where to send /wek/outputs (default 127.0.0.1:12000, or the project's); for this "
        "run only, not saved",
    )
    h.add_argument(
        "--run",
        action="store_true",
        help="start running as soon as the project's examples are trained",
    )
    h.add_argument("--quiet", action="store_true", help="print no status lines, only problems")
    _add_source_option(h)
    h.add_argument(
        "--allow-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder whose projects OSC may save to and open (/mapper/control/save PATH, "
        "/mapper/control/load PATH, /wekinator/control/runNewProject PATH); repeatable. "
        "Paths outside every allowed folder are refused",
    )
    generator_cli.add_headless_options(h)
    _add_project_commands(commands)
    generator_cli.add_commands(commands)
    return parser


def _add_project_commands(commands: argparse._SubParsersAction) -> None:
    w = commands.add_parser(
        "import-wekinator",
        help="turn a Wekinator project folder into a new gesture-mapper project",
        description="Read a Wekinator 2 project folder (inputConfig.xml, outputConfig.xml, "
        "current/currentData.arff) and write a new gesture-mapper project: names, output "
        "types, limits, class counts, rounds and unrecorded ('?') cells are kept. Weka models "
        "are not imported: the models are retrained from the examples. A dynamic time warping "
        "project (current/currentData.csv) becomes a gesture set with its takes.",
    )
    w.add_argument("wekinator_dir", metavar="WEKINATOR_DIR", help="the folder with the .wekproj")
    w.add_argument("project_dir", metavar="NEW_PROJECT_DIR", help="a new (or empty) folder")
    e = commands.add_parser(
        "export",
        help="write a project's examples (CSV, ARFF), gesture takes or models (JSON) to a file",
        description="Export a project: its examples as CSV (as examples.csv) or ARFF "
        "(Wekinator's currentData.arff layout, so data can go back to Wekinator), its gesture "
        "takes with --format dtw (Wekinator's DTW currentData.csv layout), or its MLP and kNN "
        "models, retrained from the examples, as JSON (see the README).",
    )
    e.add_argument("project_dir", metavar="PROJECT_DIR")
    e.add_argument("file", metavar="FILE", help="where to write; .csv, .arff or .json")
    e.add_argument(
        "--format", choices=("csv", "arff", "models", "dtw"), help="instead of the suffix"
    )
    e.add_argument("--force", action="store_true", help="replace FILE if it exists")


def build_tui_parser(commands: str = "") -> argparse.ArgumentParser:
    """`mapper [PROJECT_DIR] [options]`; `commands`, the other commands' list for its help."""
    parser = argparse.ArgumentParser(
        prog="mapper",
        usage="mapper [PROJECT_DIR] [options]\n       mapper COMMAND ... (mapper COMMAND --help)",
        description=textwrap.fill(
            "gesture-mapper: teach a mapping from gestures to sound by demonstration. `mapper` "
            "opens the terminal UI: on the built-in demo (no PROJECT_DIR), on a project folder, "
            "or on a new project (a folder that does not exist yet: it asks for the inputs and "
            "outputs)."
        ),
        epilog=f"{TUI_EXAMPLES}\n{commands}" if commands else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gesture-mapper {__version__}")
    parser.add_argument(
        "project", nargs="?", metavar="PROJECT_DIR", help="project folder to open or create"
    )
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="where to receive inputs and control messages (default: the project's, "
        "127.0.0.1:6448); if taken, the UI listens on a free port and says so",
    )
    parser.add_argument(
        "--send", metavar="HOST:PORT", help="where to send outputs (default: 127.0.0.1:12000)"
    )
    _add_source_option(parser)
    generator_cli.add_headless_options(parser)  # --generator rhythm: the drums demo, or a
    return parser  # new project steering the drum model


def _add_source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        metavar="NAME",
        help="the sensor to listen to, by its own messages (no --inputs needed: the inputs "
        "are its values, named): gyrosc (GyrOSC), zigsim (ZIG SIM), sensors2osc "
        "(Sensors2OSC), comote (CoMote), midi[:PORT] (a controller's CCs and notes; pip "
        "install 'gesture-mapper[midi]') or gamepad[:N] ('gesture-mapper[gamepad]'). Saved "
        "with a new project. A phone reaches the instrument only with --listen 0.0.0.0:PORT",
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = _command_names(parser)
    if argv and argv[0] in ("-h", "--help"):  # the UI's options first, then the commands
        build_tui_parser(_commands_help(parser)).print_help()
        return 0
    if argv and (argv[0] in commands or argv[0] == "--version"):
        args = parser.parse_args(argv)
        if args.command == "headless":
            from mapper.cli.headless import run_headless

            return run_headless(args)
        if args.command in ("import-wekinator", "export"):
            from mapper.cli.project_commands import run_export, run_import

            return run_import(args) if args.command == "import-wekinator" else run_export(args)
        if args.command == "generator":
            return generator_cli.run(args)
        parser.print_help()
        return 2
    from tui.main import run_tui  # the UI's imports stay out of every other command

    return run_tui(build_tui_parser().parse_args(argv))


def _commands_help(parser: argparse.ArgumentParser) -> str:
    """The commands, one line each, for the end of `mapper --help`."""
    lines = ["commands (mapper COMMAND --help explains one):"]
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for choice in getattr(action, "_choices_actions", []):
            lines.append(f"  {choice.dest:<18}{choice.help}")
    return "\n".join(lines)


def _command_names(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


if __name__ == "__main__":
    sys.exit(main())
