"""Where a frame's time goes inside mapper: the receive thread's work, profiled in-process.

Builds the suite's three scenarios (8 inputs, 3 outputs, 1,000 examples) on a real Engine and
OSCServer, then feeds `handle_datagram` the test frames directly (no socket wait, so only
mapper's own work is measured): prints the CPU time per frame (thread time, which other
processes' load disturbs less than wall time) and the cProfile of a few thousand frames.

    python -m benchmarks.hot_path_profile [--top 12]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from benchmarks.roundtrip import SCENARIOS
from benchmarks.tasks import TEST_SEED, examples, taught_engine
from mapper.core.engine import Engine
from mapper.core.outputs import make_outputs
from mapper.models.registry import make_model
from mapper.osc.codec import encode_message
from mapper.osc.server import OSCServer
from mapper.osc.settings import OSCSettings

INPUTS, OUTPUTS, EXAMPLES = 8, 3, 1000


def build(kind: str, model: tuple[object, ...], task: str) -> Engine:
    """A running engine whose outputs learned the scenario's examples."""
    settings = dict(zip(model[1::2], model[2::2]), type=model[0])
    make_model(settings, kind == "classifier")  # refuse bad settings before anything runs
    outputs = make_outputs(OUTPUTS, "classifier" if kind == "classifier" else "continuous", 3)
    for o in outputs:
        o.model = dict(settings)
    engine = taught_engine(outputs, task, EXAMPLES, INPUTS)
    engine.start_running()
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=12, help="profile lines per scenario")
    args = parser.parse_args()
    for sc in SCENARIOS:
        engine = build(sc.kind, sc.model, sc.task)
        X_test, _ = examples(sc.task, 500, INPUTS, seed=TEST_SEED)
        frames = [encode_message("/wek/inputs", x) for x in X_test.tolist()]
        osc = OSCSettings()
        osc.listen_port, osc.send_port = 0, 9  # port 9: discard, nobody listens
        server = OSCServer(engine, osc)
        handle = server.handle_datagram
        try:
            for f in frames:
                handle(f)
            best = float("inf")
            for _ in range(5):
                t0 = time.thread_time_ns()
                for _ in range(4):
                    for f in frames:
                        handle(f)
                best = min(best, (time.thread_time_ns() - t0) / (4 * len(frames)) / 1000)
            print(f"\n{sc.name}: {best:.1f} µs CPU per frame (best of 5 x {4 * len(frames)})")
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(4):
                for f in frames:
                    handle(f)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
        finally:
            server.close()


if __name__ == "__main__":
    main()
