"""The `mapper` command. Imports stay light here; each command imports what it needs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mapper import __version__

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
  mapper headless my-instrument --inputs 3 --outputs 2     # creates my-instrument/
  mapper headless my-instrument --run                      # opens it, trains, runs
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mapper",
        description="gesture-mapper: teach a mapping from gestures to sound by demonstration.",
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
        choices=("continuous", "classifier"),
        help="output type for new projects (default: continuous, range 0..1)",
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "headless":
        from mapper.headless import run_headless

        return run_headless(args)
    parser.print_help()
    print(
        "\nThe terminal UI is not built yet: run `mapper headless --inputs N --outputs M` "
        "and drive it over OSC.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
