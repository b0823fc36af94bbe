"""A new project's outputs for a generator: one continuous output per latent dimension it
steers, with that dimension's range, as `mapper headless DIR --generator ...`, the TUI's new
project form and the demos make them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mapper.core.outputs import Output
from mapper.errors import GeneratorError
from mapper.generators.latent import latent_outputs


@dataclass(frozen=True)
class GeneratorPreset:
    """The outputs, their first values and the generator settings a new project saves."""

    outputs: list[Output]
    values: list[float]
    spec: dict[str, Any]

    def about(self) -> str:
        """One line for a form, e.g. "outputs: 8, one per latent dimension ..."."""
        outs = self.outputs
        names = f"{outs[0].name}..{outs[-1].name}" if len(outs) > 1 else outs[0].name
        ranges = {(o.min, o.max) for o in outs}
        span = f"{outs[0].min:g}..{outs[0].max:g}" if len(ranges) == 1 else "each its own range"
        return (
            f"outputs: {len(outs)}, one per latent dimension the generator steers ({names}, "
            f"continuous, {span})"
        )


def generator_preset(
    kind: str,
    model: str | None = None,
    folder: Path | None = None,
    steer: int | None = None,
    bpm: float | None = None,
    outputs: int | None = None,
    classifier: bool = False,
) -> GeneratorPreset:
    """The rhythm model's dimensions (starting at the centre of its first training style), or
    a TorchScript model's first `steer` dimensions (starting at 0, the centre of its latent
    space); a model path is saved relative to `folder` when inside it. `outputs` and
    `classifier` are what the command line asked for: GeneratorError when they do not fit."""
    if classifier:
        raise GeneratorError(f"--generator {kind} needs continuous outputs; drop --type")
    if kind == "torchscript":
        return _neural(str(model), folder, steer, outputs)
    from mapper.generators.rhythm.generator import RhythmGenerator

    gen = RhythmGenerator(device="cpu")
    dims = gen.latent_dims
    if outputs is not None and outputs != len(dims):
        raise GeneratorError(
            f"--generator rhythm makes one output per latent dimension ({len(dims)}); "
            "drop --outputs"
        )
    start = next(iter(gen.styles.values()), None)
    values = [0.0] * len(dims) if start is None else [round(float(v), 3) for v in start]
    spec = {"type": "rhythm", "bpm": bpm or 120.0, "weights": None}
    return GeneratorPreset(latent_outputs(dims), values, spec)


def _neural(
    path: str, folder: Path | None, steer: int | None, outputs: int | None
) -> GeneratorPreset:
    from mapper.generators.neural.model import load_model
    from mapper.generators.neural.player import default_steer, spec_path

    gen = load_model(path, "cpu", warm_up=1)  # to read its interface; it plays on --device
    if steer is None:
        steer = default_steer(gen.latent_size)
    if not 1 <= steer <= gen.latent_size:
        raise GeneratorError(
            f"--steer {steer}: {Path(path).name} has {gen.latent_size} latent dimensions "
            f"(steer 1 to {gen.latent_size})"
        )
    if outputs is not None and outputs != steer:
        raise GeneratorError(
            f"--generator torchscript makes one output per steered latent dimension ({steer}; "
            "--steer N changes it); drop --outputs"
        )
    spec = {"type": "torchscript", "path": spec_path(path, folder), "steer": steer}
    return GeneratorPreset(latent_outputs(gen.latent_dims[:steer]), [0.0] * steer, spec)
