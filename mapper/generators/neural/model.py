"""Loading a RAVE-style TorchScript export (`.ts`) and discovering its interface.

What is read, as nn~ reads it (nn_tilde's export conventions, which RAVE v1 and v2 follow):

- `decode`: a method taking latents (batch, latent_size, frames) and returning audio
  (batch, channels, frames * ratio);
- `decode_params`: a buffer [in_channels, in_ratio, out_channels, out_ratio], that is
  [latent size, samples per latent frame, audio channels, 1] for a RAVE decoder;
- the sample rate: `sr` (RAVE v2, an int attribute) or `sampling_rate` (v1, a buffer);
- `get_methods()` where present (the methods nn~ lists: encode, decode, forward, ...), and
  `decode_input_labels` where present (RAVE: "(signal) Latent dimension 0", ...).

A streaming export (`rave export --streaming`) keeps the state of its cached convolutions
inside the model, so `decode` must be called from one thread, one block after the other: the
streamer does exactly that. Loading a `.ts` file runs the code it holds, like any TorchScript
model: load only models you trust. torch is imported here only when a model is loaded.
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from mapper.file_kinds import MiB
from mapper.generators.base import GeneratorError, LatentDim, resolve_device
from mapper.generators.files import open_model_file, opened_name

log = logging.getLogger("mapper.neural")

LATENT_RANGE = 2.0  # each steered dimension spans -2..2: see NeuralGenerator
# a model file bigger than this is refused unread: RAVE exports are 50-300 MB
MODEL_LIMIT = 2048 * MiB
WARM_UP_CALLS = 3  # decodes at load, so the first blocks played are not the slow ones
EXPECTED = (
    "a RAVE TorchScript export (`rave export` makes one): a `decode` method, a "
    "`decode_params` buffer [latent size, ratio, channels, 1] and the sample rate in `sr` or "
    "`sampling_rate`"
)


class NeuralGenerator:
    """A TorchScript audio model: `decode(latent)` returns one block, float32 (channels, ratio).

    The latent dimensions are named latent-1.. (the outputs' names; RAVE orders them by PCA,
    so the first matter most) and span -range..range (default 2: a RAVE latent is centred on
    its training data's mean, and its first principal dimensions spread over a few units; a
    project can widen it with "range" in its generator settings).
    """

    type_name = "torchscript"

    def __init__(
        self,
        module: Any,
        path: Path,
        device: str,
        latent_size: int,
        ratio: int,
        channels: int,
        sample_rate: int,
        methods: list[str],
        labels: list[str],
        latent_range: float = LATENT_RANGE,
        threads: int | None = None,
    ) -> None:
        self.module = module
        self.path = path
        self.device = device
        self.ratio = ratio
        self.channels = channels
        self.sample_rate = sample_rate
        self.methods = methods
        self.labels = labels
        self.threads = threads  # torch's CPU threads (None: on a GPU, not set)
        self._dims = [
            LatentDim(f"latent-{k + 1}", -latent_range, latent_range) for k in range(latent_size)
        ]

    @property
    def latent_size(self) -> int:
        return len(self._dims)

    @property
    def latent_dims(self) -> list[LatentDim]:
        return list(self._dims)

    @property
    def block_seconds(self) -> float:
        """How long one decoded block plays."""
        return self.ratio / self.sample_rate

    def decode(self, latent: np.ndarray) -> np.ndarray:
        """One block of audio for one latent frame: float32, shape (channels, ratio).

        Call it from one thread only, in order (a streaming model keeps state between calls).
        """
        import torch

        z = np.asarray(latent, dtype=np.float32).reshape(1, self.latent_size, 1)
        with torch.inference_mode():
            y = self.module.decode(torch.from_numpy(z).to(self.device))
        shape = tuple(y.shape)
        if shape != (1, self.channels, self.ratio):
            raise GeneratorError(
                f"decode of one latent frame returned shape {shape}, expected (1, "
                f"{self.channels}, {self.ratio}) as its decode_params say"
            )
        return np.ascontiguousarray(y[0].detach().to("cpu", torch.float32).numpy())

    def describe(self) -> str:
        return (
            f"{self.path.name}: {self.sample_rate} Hz, {self.channels} channel(s), "
            f"{self.ratio} samples per latent frame ({1000 * self.block_seconds:.1f} ms), "
            f"latent size {self.latent_size}, on {self.device}"
        )


def resolve_model_path(path: str | Path, folder: Path | None) -> Path:
    """A model path as saved in a project: relative to the project folder, or absolute, or the
    model mapper ships (SHIPPED_NAME)."""
    from mapper.generators.sound.options import shipped_named

    shipped = shipped_named(path)
    if shipped is not None:
        return shipped
    p = Path(path).expanduser()
    if not p.is_absolute() and folder is not None:
        p = folder / p
    return p


def _number(value: Any) -> float | None:
    """An int, a float or a one-element tensor as a number; None for anything else."""
    if value is None or isinstance(value, (bool, str)):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    numel = getattr(value, "numel", None)
    if numel is not None and numel() == 1:
        return float(value.item())
    return None


def _params(module: Any, path: Path) -> tuple[int, int, int]:
    """(latent size, samples per latent frame, channels) from `decode_params`."""
    params = getattr(module, "decode_params", None)
    if params is None:
        raise GeneratorError(f"{path}: the model has no decode_params buffer; expected {EXPECTED}")
    values = params.tolist() if hasattr(params, "tolist") else params
    if (
        not isinstance(values, list)
        or len(values) != 4
        or not all(isinstance(v, (int, float)) and v >= 1 and v == int(v) for v in values)
    ):
        raise GeneratorError(
            f"{path}: decode_params is {values!r}; expected four positive whole numbers "
            "[latent size, ratio, channels, 1]"
        )
    latent, in_ratio, channels, out_ratio = (int(v) for v in values)
    if in_ratio % out_ratio:
        raise GeneratorError(
            f"{path}: decode_params {values}: the input ratio {in_ratio} is not a multiple of "
            f"the output ratio {out_ratio}"
        )
    return latent, in_ratio // out_ratio, channels


def _sample_rate(module: Any, path: Path) -> int:
    for name in ("sr", "sampling_rate"):
        value = _number(getattr(module, name, None))
        if value is not None:
            if value < 1 or value != int(value):
                raise GeneratorError(f"{path}: its sample rate {name} = {value:g} is not a rate")
            return int(value)
    raise GeneratorError(
        f"{path}: the model says no sample rate (neither `sr`, as RAVE v2 exports, nor "
        f"`sampling_rate`, as v1 does); expected {EXPECTED}"
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def _methods(module: Any) -> list[str]:
    try:
        return _strings(module.get_methods()) if hasattr(module, "get_methods") else []
    except Exception:  # a model's own method failing must not stop it from playing
        return []


def set_threads(threads: int) -> None:
    """torch's CPU threads for decoding (process-wide). One by default: on a small machine the
    OSC receive thread keeps a core, and a RAVE block is small enough for one."""
    import torch

    if threads < 1:
        raise GeneratorError("threads must be at least 1")
    torch.set_num_threads(threads)


def load_model(
    path: str | Path,
    device: str | None = "auto",
    latent_range: float = LATENT_RANGE,
    threads: int | None = None,
    warm_up: int = WARM_UP_CALLS,
) -> NeuralGenerator:
    """Load and check a `.ts` file (GeneratorError says what was expected) and warm it up."""
    path = Path(path)
    # a regular file only (a FIFO would hang torch's open), checked before torch is imported
    with open_model_file(path, MODEL_LIMIT, EXPECTED) as f:
        where = resolve_device(device)
        try:
            import torch
        except ImportError:  # torch is a dependency; a broken install still gets a clear line
            raise GeneratorError("loading a TorchScript model needs torch") from None
        if where == "cpu":
            threads = threads or 1
            set_threads(threads)
        try:
            with warnings.catch_warnings():  # torch 2.9+ calls TorchScript deprecated; RAVE
                warnings.simplefilter("ignore", DeprecationWarning)  # and nn~ still export it
                module = torch.jit.load(opened_name(f, path), map_location=where)
        except Exception as e:
            text = str(e).strip()
            reason = text.splitlines()[0].split(". ")[0][:120] if text else type(e).__name__
            raise GeneratorError(
                f"{path} is not a TorchScript model ({reason}); expected {EXPECTED}"
            ) from None
    if not hasattr(module, "decode"):
        raise GeneratorError(f"{path}: the model has no decode method; expected {EXPECTED}")
    latent, ratio, channels = _params(module, path)
    rate = _sample_rate(module, path)
    labels = _strings(getattr(module, "decode_input_labels", None))
    if not latent_range > 0:
        raise GeneratorError(f"the latent range must be above 0, not {latent_range!r}")
    gen = NeuralGenerator(
        module,
        path,
        where,
        latent,
        ratio,
        channels,
        rate,
        _methods(module),
        labels if len(labels) == latent else [],
        float(latent_range),
        threads if where == "cpu" else None,
    )
    zero = np.zeros(latent, dtype=np.float32)
    t0 = time.perf_counter()
    for _ in range(max(1, warm_up)):
        try:
            gen.decode(zero)
        except GeneratorError as e:
            raise GeneratorError(f"{path}: {e}") from None
        except Exception as e:
            raise GeneratorError(
                f"{path}: decode of one latent frame (1, {latent}, 1) failed: {e}"
            ) from None
    log.info("%s loaded and warmed up in %.2f s", path, time.perf_counter() - t0)
    return gen
