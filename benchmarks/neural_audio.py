"""Neural audio: the real-time factor of a RAVE-sized decoder, on the CPU (and CUDA if present).

    python -m benchmarks.neural_audio [--seconds 10] [--device auto|cpu|cuda]

The model is a STAND-IN, NOT A TRAINED RAVE MODEL: random weights in the shape of RAVE v2's
default decoder at 44.1 kHz (a 16-dimension latent widened to 128 through a PCA matrix as RAVE
does; 1-D convolutions from 1024 channels, upsampling x4 x4 x4 x2 and halving the channels
each time, each followed by RAVE v2's residual stack (kernels 3 and 5, dilations 1, 3, 5), to
16 bands; a transposed convolution stands in for the inverse PQMF): 2048 samples (46.4 ms)
per latent frame, one channel. It is exported with RAVE's TorchScript interface (decode,
decode_params, sr, get_methods) by torch.jit.script and loaded the way gesture-mapper loads a
user's `.ts` file. A real export also runs its noise generator and its cached convolutions'
bookkeeping, and other configurations differ in size: measure your own model with
`mapper generator rtf MODEL.ts`.

Two figures per device and thread count:
- decode: blocks decoded back to back (one latent frame each, as the player decodes), the
  real-time factor = seconds of audio per second of compute, and the time per block;
- playing: the whole player (decode thread 2 blocks ahead, a real-time clock reading the
  audio as a sound card would) for --seconds, the latent moving every block: underruns.
And the OSC hot path beside it: `mapper headless` (2 inputs, 4 MLP outputs, running) timed one
frame at a time while the model decodes into a WAV file, against the same without a model.
Writes the figures to benchmarks/neural_audio.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine import describe
from mapper.cli.neural_commands import time_blocks
from mapper.generators.base import cuda_present
from mapper.generators.neural.model import NeuralGenerator, load_model
from mapper.generators.neural.sound_out import ClockOutput
from mapper.generators.neural.streamer import Streamer, rtf

LATENT, FULL_LATENT, RATE, BANDS = 16, 128, 44100, 16
UPSAMPLE = (4, 4, 4, 2)  # x BANDS = 2048 samples per latent frame
CAPACITY = 64  # RAVE v2's defaults: 1024 channels at the top, halved at each upsampling
KERNELS, DILATIONS = (3, 5), ((1, 1), (3, 1), (5, 1))  # RAVE v2's residual stacks


def build_stand_in() -> tuple[Any, int]:
    """The scripted stand-in decoder with RAVE's exported interface (random weights), and its
    parameter count."""
    import torch
    from torch import nn

    class Residual(nn.Module):  # as RAVE's: x + conv(lrelu(conv(lrelu(x)))), dilated
        def __init__(self, channels: int, kernel: int, dilations: tuple[int, int]) -> None:
            super().__init__()
            layers: list[nn.Module] = []
            for d in dilations:
                pad = d * (kernel - 1) // 2
                layers += [nn.LeakyReLU(0.2), nn.Conv1d(channels, channels, kernel, 1, pad, d)]
            self.net = nn.Sequential(*layers)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.net(x)

    class StandIn(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.register_buffer("decode_params", torch.tensor([LATENT, 2048, 1, 1]))
            pca = torch.linalg.qr(torch.randn(FULL_LATENT, FULL_LATENT))[0]
            self.register_buffer("latent_pca", pca)
            self.sr = RATE
            self.full_latent = FULL_LATENT
            self._methods = ["decode"]
            channels = CAPACITY * 2 ** len(UPSAMPLE)
            layers: list[nn.Module] = [nn.Conv1d(FULL_LATENT, channels, 7, padding=3)]
            for r in UPSAMPLE:
                out = channels // 2
                layers += [
                    nn.LeakyReLU(0.2),
                    nn.ConvTranspose1d(channels, out, 2 * r, stride=r, padding=r // 2),
                    *(Residual(out, k, d) for k in KERNELS for d in DILATIONS),
                ]
                channels = out
            layers += [nn.LeakyReLU(0.2), nn.Conv1d(channels, BANDS, 7, padding=3)]
            self.decoder = nn.Sequential(*layers)
            self.synthesis = nn.ConvTranspose1d(BANDS, 1, 2 * BANDS, stride=BANDS, padding=8)

        @torch.jit.export
        def decode(self, z: torch.Tensor) -> torch.Tensor:
            rest = self.full_latent - z.shape[1]
            pad = torch.zeros(z.shape[0], rest, z.shape[2], device=z.device)
            z = nn.functional.conv1d(torch.cat([z, pad], 1), self.latent_pca.T.unsqueeze(-1))
            return torch.tanh(self.synthesis(self.decoder(z)))

        @torch.jit.export
        def get_methods(self) -> list[str]:
            return self._methods

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.decode(z)

    model = StandIn().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.script(model), sum(p.numel() for p in model.parameters())


def decode_figures(gen: NeuralGenerator, seconds: float) -> dict[str, Any]:
    times = time_blocks(gen, seconds)
    ms = np.array(times) * 1000
    return {
        "blocks": len(times),
        "real_time_factor": round(rtf(len(times) * gen.block_seconds, sum(times)), 2),
        "block_median_ms": round(float(np.median(ms)), 2),
        "block_p99_ms": round(float(np.percentile(ms, 99)), 2),
        "block_max_ms": round(float(ms.max()), 2),
        "block_budget_ms": round(1000 * gen.block_seconds, 2),
    }


def playing_figures(gen: NeuralGenerator, seconds: float) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    z = np.zeros(gen.latent_size)

    def latent() -> np.ndarray:  # a gesture moving the latent point every block
        nonlocal z
        z = np.clip(z + rng.normal(0, 0.1, gen.latent_size), -2, 2)
        return z

    s = Streamer(gen.decode, latent, gen.channels, gen.ratio, gen.sample_rate, 2, gen.device)
    clock = ClockOutput(s)
    s.start()
    clock.start()
    time.sleep(seconds)
    clock.stop()
    s.stop()
    st = s.stats()
    return {
        "seconds_played": round(clock.frames / gen.sample_rate, 2),
        "underruns": st.underruns,
        "underrun_seconds": round(st.underrun_seconds, 3),
        "real_time_factor": round(st.real_time_factor, 2),
    }


def roundtrip_figures(model: Path | None, frames: int) -> dict[str, Any]:
    """`mapper headless` (2 inputs, 4 MLP outputs, running) timed one frame at a time, with the
    model decoding to a WAV file on its clock (1 CPU thread), or without a model."""
    from benchmarks.client import Client
    from benchmarks.peers import Peer, mapper_command
    from mapper.osc.codec import encode_message

    client = Client()
    cmd = [*mapper_command(), "headless", "--quiet", "--listen", "127.0.0.1:0"]
    cmd += ["--send", f"127.0.0.1:{client.port}", "--inputs", "2"]
    with tempfile.TemporaryDirectory() as tmp:
        if model is not None:
            cmd += ["--generator", f"torchscript:{model}", "--steer", "4"]
            cmd += ["--device", "cpu", "--record-audio", str(Path(tmp) / "take.wav")]
        else:
            cmd += ["--outputs", "4"]
        try:
            with Peer(cmd, client, timeout=120) as peer:
                c = peer.client
                c.send("/wekinator/control/startRecording")
                rng = np.random.default_rng(2)
                for x in rng.random((50, 2)).tolist():
                    c.send("/wekinator/control/outputs", [x[0], x[1], -x[0], -x[1]])
                    c.wait_for("/wek/outputs", 5.0)
                    c.send("/wek/inputs", x)
                c.send("/wekinator/control/stopRecording")
                c.send("/wekinator/control/train")
                c.wait_for("/wekinator/status/done-training", 60.0)
                c.send("/wekinator/control/startRunning")
                time.sleep(1.0)  # the decode thread settles in
                c.drain()
                data = [encode_message("/wek/inputs", x) for x in rng.random((200, 2)).tolist()]
                times, _, lost = c.latency(data, frames, 200)
        finally:
            client.close()
    us = np.array(times)
    return {
        "frames": len(times),
        "median_us": round(float(np.median(us)), 1),
        "p99_us": round(float(np.percentile(us, 99)), 1),
        "max_ms": round(float(us.max()) / 1000, 2),
        "lost": lost,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--device", default="auto", help="auto (CPU, and CUDA if present)")
    parser.add_argument(
        "--frames", type=int, default=5000, help="round-trip frames with and without (0: skip)"
    )
    args = parser.parse_args()
    module, parameters = build_stand_in()
    runs: list[tuple[str, int | None]] = []
    if args.device in ("auto", "cpu"):
        runs += [("cpu", 1), ("cpu", 2)]
    if args.device == "cuda" or (args.device == "auto" and cuda_present()):
        runs.append(("cuda", None))
    results: dict[str, Any] = {
        "machine": describe(),
        "model": f"stand-in decoder (not a trained RAVE model), {parameters / 1e6:.1f} M "
        f"parameters, {RATE} Hz, 2048 samples per latent frame, latent size {LATENT}",
        "runs": [],
    }
    print(results["model"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stand-in.ts"
        module.save(str(path))
        for device, threads in runs:
            gen = load_model(path, device, threads=threads)
            run = {
                "device": device,
                "threads": threads,
                "decode": decode_figures(gen, args.seconds),
                "playing": playing_figures(gen, args.seconds),
            }
            results["runs"].append(run)
            d, p = run["decode"], run["playing"]
            where = f"{device}" + (
                f", {threads} thread{'s' if threads != 1 else ''}" if threads else ""
            )
            print(
                f"{where}: real-time factor {d['real_time_factor']} (block {d['block_median_ms']} "
                f"ms median, p99 {d['block_p99_ms']} ms, of {d['block_budget_ms']} ms); playing "
                f"{p['seconds_played']} s: {p['underruns']} underruns "
                f"({p['underrun_seconds']} s of silence)"
            )
        if args.frames > 0:
            for name, model in (("without a model", None), ("while the model plays", path)):
                trip = roundtrip_figures(model, args.frames)
                results[f"round trip {name}"] = trip
                print(
                    f"round trip {name}: median {trip['median_us']} µs, p99 {trip['p99_us']} "
                    f"µs, max {trip['max_ms']} ms, lost {trip['lost']} of {trip['frames']}"
                )
    if not any(r["device"] == "cuda" for r in results["runs"]):
        print("no CUDA GPU here: CPU only")
    results["machine"]["load_after"] = describe()["load"]
    out = Path(__file__).with_name("neural_audio.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"load {results['machine']['load']} -> {results['machine']['load_after']}; wrote {out}")


if __name__ == "__main__":
    main()
