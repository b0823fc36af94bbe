"""Round-trip latency with the terminal UI open, against headless mode, on the same machine.

Both run the same project (8 inputs, 3 MLP outputs, 1,000 examples) as real processes: the TUI
inside a real terminal (tmux, 100x30, redrawing ten times a second), headless as a subprocess.
The same client sends one `/wek/inputs` frame at a time and times each `/wek/outputs` answer.
Runs alternate (headless, TUI, headless, TUI) so a busy moment of the machine hits both.

    .venv/bin/python -m benchmarks.tui_latency [--frames 3000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.client import Client, summary
from benchmarks.machine import describe
from benchmarks.peers import mapper_command
from benchmarks.peers import stop as stop_process
from mapper.core.engine import Engine
from mapper.core.outputs import make_outputs
from mapper.osc.codec import encode_message
from mapper.osc.settings import OSCSettings
from mapper.project import Project, project_from_engine, save_project

INPUTS, OUTPUTS, EXAMPLES = 8, 3, 1000


def make_project(folder: Path) -> None:
    """The benchmark's project: the outputs are the mean of the inputs (a smooth target)."""
    rng = np.random.default_rng(0)
    engine = Engine([f"inputs-{i + 1}" for i in range(INPUTS)], make_outputs(OUTPUTS))
    engine.start_recording()
    for x in rng.random((EXAMPLES, INPUTS)):
        engine.set_values([float(x.mean())] * OUTPUTS, send=False)
        engine.process_frame(x.tolist())
    engine.stop_recording()
    base = Project("bench", engine.input_names, engine.outputs, OSCSettings())
    save_project(folder, project_from_engine(engine, base), engine.examples.snapshot())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str, folder: Path, client: Client) -> subprocess.Popen[bytes] | str:
    """Start headless (a Popen) or the TUI (a tmux session name); ready to run when back."""
    port = free_port()
    client.dest = ("127.0.0.1", port)
    args = [*mapper_command()]
    if kind == "headless":
        args.append("headless")
    args += [str(folder), "--listen", f"127.0.0.1:{port}", "--send", f"127.0.0.1:{client.port}"]
    if kind == "headless":
        proc: subprocess.Popen[bytes] | str = subprocess.Popen(
            [*args, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    else:
        proc = f"mapper-bench-{port}"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", proc, "-x", "100", "-y", "30", *args], check=True
        )
    client.wait_for("/wekinator/status/done-training", 120.0)  # it retrains at start
    client.send("/wekinator/control/startRunning")
    client.drain(quiet=0.3)
    return proc


def stop(proc: subprocess.Popen[bytes] | str) -> None:
    if isinstance(proc, str):
        subprocess.run(["tmux", "kill-session", "-t", proc], check=False)
        return
    stop_process(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=3000, help="timed frames per run")
    parser.add_argument("--rounds", type=int, default=2, help="headless/TUI pairs")
    parser.add_argument("--out", default="benchmarks/tui_latency.json")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed (apt-get install tmux): the TUI needs a real terminal")
        return 2
    rng = np.random.default_rng(1)
    frames = [
        encode_message("/wek/inputs", x.tolist(), "f" * INPUTS) for x in rng.random((256, INPUTS))
    ]
    times: dict[str, list[float]] = {"headless": [], "tui": []}
    lost = {"headless": 0, "tui": 0}
    with tempfile.TemporaryDirectory() as tmp:
        client = Client()
        try:
            for _ in range(args.rounds):
                for kind in ("headless", "tui"):
                    folder = Path(tmp) / f"{kind}-{time.monotonic_ns()}"
                    make_project(folder)
                    proc = start(kind, folder, client)
                    try:
                        t, _, n_lost = client.latency(frames, args.frames, warmup=300)
                    finally:
                        stop(proc)
                    times[kind] += t
                    lost[kind] += n_lost
                    client.drain(quiet=0.2)
        finally:
            client.close()
    result = {k: {**summary(v), "lost": lost[k], "frames": len(v)} for k, v in times.items()}
    ratio = result["tui"]["p99_us"] / result["headless"]["p99_us"]
    report = {"machine": describe(), "results": result, "p99_ratio_tui_to_headless": ratio}
    print(f"machine: {report['machine']}")
    print(f"{'':10}{'median':>10}{'p99':>10}{'max':>10}{'lost':>6}  (microseconds)")
    for k, r in result.items():
        print(f"{k:10}{r['median_us']:10.0f}{r['p99_us']:10.0f}{r['max_us']:10.0f}{r['lost']:6d}")
    print(f"p99 with the TUI open / headless: {ratio:.2f} (goal: at most 1.5)")
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
