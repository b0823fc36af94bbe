"""The drum model's figures: decode time, sequencer timing, training time, quality.

    python benchmarks/rhythm.py [--seconds 60] [--skip-training] [--device auto|cpu|cuda]

Decode: one latent at a time, as the sequencer does, with the numpy decoder (what plays on the
CPU) and with torch (CPU, and CUDA when present). Sequencer: at 120 BPM for --seconds, with a
latent that moves every step (so every step decodes a new pattern), hits sent over loopback UDP
to a receiver here; jitter is each step's lateness (at the sequencer: when its hits were sent;
at the receiver: when the first hit arrived) against the ideal grid. Training: from scratch on
the shipped patterns, and a fine-tune of the shipped model on a dozen two-bar MIDI loops.
Writes the same figures to benchmarks/rhythm.json.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine import describe
from mapper.generators.rhythm.decoder import NumpyDecoder, load_arrays, shipped_weights
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.generators.rhythm.sequencer import Sequencer
from mapper.generators.rhythm.sinks.osc import OSCRhythmSink
from mapper.osc.codec import encode_message


def stats_us(seconds: list[float] | np.ndarray) -> dict[str, float]:
    a = np.abs(np.asarray(seconds)) * 1e6
    return {
        "median_us": round(float(np.median(a)), 2),
        "p99_us": round(float(np.percentile(a, 99)), 2),
        "max_us": round(float(a.max()), 2),
        "n": len(a),
    }


def time_calls(fn: Any, latents: np.ndarray) -> dict[str, float]:
    clock = time.perf_counter
    for z in latents[:200]:  # warm up
        fn(z)
    times = []
    for z in latents:
        t = clock()
        fn(z)
        times.append(clock() - t)
    return stats_us(times)


def decode_figures(device: str) -> dict[str, Any]:
    gen = RhythmGenerator(device="cpu")
    rng = np.random.default_rng(0)
    latents = rng.normal(size=(20_000, gen.latent_size)) * 1.5
    raw = NumpyDecoder(load_arrays(shipped_weights()))
    out: dict[str, Any] = {
        "numpy decoder (logits, velocities)": time_calls(raw, latents),
        "numpy decode -> pattern (what plays)": time_calls(gen.decode, latents),
    }
    try:
        import torch
    except ImportError:
        return out
    from mapper.generators.rhythm.model import model_from_arrays

    torch.set_num_threads(1)
    model = model_from_arrays(load_arrays(shipped_weights())).eval()

    def torch_cpu(z: np.ndarray) -> Any:
        with torch.inference_mode():
            return model.decode(torch.as_tensor(z, dtype=torch.float32)[None])

    out["torch decode, CPU (1 thread)"] = time_calls(torch_cpu, latents[:5000])
    if device != "cpu" and torch.cuda.is_available():
        gpu = RhythmGenerator(device="cuda")
        out["torch decode -> pattern, CUDA"] = time_calls(gpu.decode, latents[:5000])
    return out


RECEIVER = r"""
import os, socket, sys, time
try:  # like an audio program, where allowed: its own wake-up latency is not the sequencer's
    os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(10))
except (OSError, AttributeError):
    pass
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.2)
print(s.getsockname()[1], flush=True)
arrivals = []
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        data = s.recv(65536)
    except TimeoutError:
        continue
    if data.startswith(b"/mapper/rhythm/hit"):
        arrivals.append(time.perf_counter())
print(" ".join(repr(t) for t in arrivals), flush=True)
"""


class Sender:
    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.target = ("127.0.0.1", port)

    def send_message(self, address: str, args: Any = (), tags: str | None = None) -> None:
        self.sock.sendto(encode_message(address, args, tags), self.target)


def sequencer_figures(seconds: float, bpm: float = 120.0) -> dict[str, Any]:
    """The sequencer in this process; the receiver, another program, in another process."""
    gen = RhythmGenerator(device="cpu")
    centre = gen.styles.get("techno", np.zeros(gen.latent_size))
    rng = np.random.default_rng(1)

    def latent() -> np.ndarray:  # moves every step: every step decodes a new pattern
        return centre + rng.normal(size=gen.latent_size) * 0.3

    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(seconds + 1.5)], stdout=subprocess.PIPE, text=True
    )
    assert receiver.stdout is not None
    port = int(receiver.stdout.readline())
    seq = Sequencer(gen.decode, latent, bpm, [OSCRhythmSink(Sender(port))])
    step = seq.step_seconds
    seq.start()
    time.sleep(seconds)
    seq.stop()
    hits = [float(t) for t in receiver.stdout.readline().split()]
    receiver.wait(timeout=10)
    lateness = list(seq.lateness)[1:]  # the first step starts the clock
    firsts: dict[int, float] = {}
    for t in hits:
        firsts.setdefault(round((t - hits[0]) / step), t)
    ks = np.array(sorted(firsts))
    dev = np.array([firsts[k] for k in ks]) - (hits[0] + ks * step)
    dev -= np.median(dev)  # a constant offset is latency, not jitter
    return {
        "bpm": bpm,
        "step_ms": round(step * 1000, 3),
        "lateness at the sequencer": stats_us(lateness),
        "first hit of each step at the receiver, vs the grid": stats_us(dev),
        "decode errors": seq.errors,
        "real-time scheduling": seq.realtime,
    }


def bare_clock_figures(seconds: float, step: float = 0.125) -> dict[str, Any]:
    """The machine's own timing floor: a loop that only sleeps until each step, nothing else
    (same waiting as the sequencer, no decoding, no sending, no real-time request)."""
    late = []
    due = time.perf_counter() + 0.01
    for _ in range(int(seconds / step)):
        while (remaining := due - time.perf_counter()) > 0:
            time.sleep(remaining - 0.0002 if remaining > 0.0004 else 0)
        late.append(time.perf_counter() - due)
        due += step
    return {"lateness of a bare sleep loop": stats_us(late)}


def training_figures(device: str) -> dict[str, Any]:
    from mapper.generators.rhythm.midi import write_midi
    from mapper.generators.rhythm.patterns import shipped_data_dir
    from mapper.generators.rhythm.quality import encode, onset_f1
    from mapper.generators.rhythm.sources import read_patterns
    from mapper.generators.rhythm.train import Settings, train

    patterns = read_patterns(shipped_data_dir())
    out: dict[str, Any] = {}
    t = time.perf_counter()
    arrays = train(patterns, Settings(device=device))
    seconds = time.perf_counter() - t
    gen = RhythmGenerator(None, "cpu")
    gen.arrays, gen._numpy = arrays, NumpyDecoder(arrays)
    out["from scratch, shipped patterns"] = {
        "patterns": len(patterns),
        "seconds": round(seconds, 1),
        "onset_f1": round(onset_f1(gen, encode(arrays, patterns), patterns), 4),
    }
    with tempfile.TemporaryDirectory() as tmp:
        loops = [p for p in patterns if p.style in ("bossa", "reggae")][::2][:24]
        for k in range(12):  # a dozen two-bar MIDI loops
            write_midi(
                Path(tmp) / f"loop{k}.mid",
                [loops[2 * k].velocities, loops[2 * k + 1].velocities],
                100,
            )
        mine = read_patterns(Path(tmp))
        t = time.perf_counter()
        arrays = train(mine, Settings(device=device), start=load_arrays(shipped_weights()))
        seconds = time.perf_counter() - t
    gen.arrays, gen._numpy = arrays, NumpyDecoder(arrays)
    out["fine-tune from shipped, 12 two-bar MIDI loops"] = {
        "patterns": len(mine),
        "seconds": round(seconds, 1),
        "onset_f1": round(onset_f1(gen, encode(arrays, mine), mine), 4),
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="sequencer run (default 60)")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "rhythm.json", help="figures to"
    )
    args = parser.parse_args()
    from mapper.generators.base import resolve_device
    from mapper.generators.rhythm.quality import measure

    device = resolve_device(args.device)
    result: dict[str, Any] = {"machine": describe(), "device": device}
    print(f"machine: {result['machine']}", flush=True)
    result["decode"] = decode_figures(device)
    for name, s in result["decode"].items():
        print(f"decode  {name:40s} median {s['median_us']:8.1f} us  p99 {s['p99_us']:8.1f} us")
    q = measure()
    result["quality"] = {k: q[k] for k in ("onset_f1", "dimensions", "distance_curve", "passes")}
    print(f"quality onset F1 {q['onset_f1']}, passes {q['passes']}", flush=True)
    result["bare clock"] = bare_clock_figures(min(args.seconds, 30.0))
    f = result["bare clock"]["lateness of a bare sleep loop"]
    print(
        f"machine floor: lateness of a bare sleep loop every 125 ms: median {f['median_us']:.1f} "
        f"us, p99 {f['p99_us']:.1f} us, max {f['max_us']:.1f} us ({f['n']} steps)",
        flush=True,
    )
    result["sequencer"] = sequencer_figures(args.seconds)
    s = result["sequencer"]
    print(f"sequencer clock thread real-time scheduling: {s['real-time scheduling']}")
    for name in (
        "lateness at the sequencer",
        "first hit of each step at the receiver, vs the grid",
    ):
        f = s[name]
        print(
            f"sequencer {s['bpm']:g} BPM, {name}: median {f['median_us']:.1f} us, "
            f"p99 {f['p99_us']:.1f} us, max {f['max_us']:.1f} us ({f['n']} steps)"
        )
    if not args.skip_training:
        result["training"] = training_figures(device)
        for name, f in result["training"].items():
            print(f"train   {name}: {f['seconds']:.1f} s, onset F1 {f['onset_f1']}")
    result["machine"]["load_after"] = describe()["load"]
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"load before/after: {result['machine']['load']} / {result['machine']['load_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
