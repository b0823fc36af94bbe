"""Playing the rhythm model: its decoder as a few numpy matrix products (no torch needed).

For one latent vector this takes microseconds, less than torch's own per-call overhead; see
benchmarks/rhythm.py. Weights are read from an .npz file with pickling disabled: loading a
weights file never executes code.

A weights file may come with a project from anywhere, so it is read with bounds: a regular
file only (never a FIFO or a device: see mapper.generators.files) of at most WEIGHTS_LIMIT,
and before any array is unpacked, each one's .npy header (its shape and type, a few bytes at
the start of the member) must fit the decoder's architecture and all of them together must
fit in WEIGHTS_LIMIT: a zip bomb (a member that unpacks to gigabytes) is refused unread.
"""

from __future__ import annotations

import math
import threading
import zipfile
import zlib
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np
from numpy.lib import format as npy

from mapper.file_kinds import MiB, size_text
from mapper.generators.base import GeneratorError, LatentDim
from mapper.generators.files import open_model_file

WEIGHTS_FILE = "rhythm-weights.npz"
DECODER_KEYS = ("dec1.weight", "dec1.bias", "dec2.weight", "dec2.bias", "out.weight", "out.bias")
ENCODER_KEYS = ("enc1.weight", "enc1.bias", "enc2.weight", "enc2.bias", "mu.weight", "mu.bias",
                "logvar.weight", "logvar.bias")  # fmt: skip
EXTRA_KEYS = ("style_names", "style_centres", "train_latents")  # optional
CELLS = 9 * 16
# The file and its arrays unpacked: the shipped weights are 0.7 MB (1.2 MB unpacked); a model
# with hidden layers of 1024 and 512 would be about 6 MB unpacked.
WEIGHTS_LIMIT = 64 * MiB
CENTRAL_LIMIT = 1 * MiB  # the zip's list of members (the shipped one: 1 KB for 19 members)
Headers = dict[str, tuple[tuple[int, ...], np.dtype]]  # per array: its shape and type
EXPECTED_WEIGHTS = "a rhythm weights file (.npz, as `mapper generator train rhythm` writes)"


def shipped_weights() -> Path:
    return Path(__file__).parent / WEIGHTS_FILE


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a weights file (an .npz written by the training script) that the model
    knows (other members are left unread). GeneratorError (one line, naming the file) for a
    file that is not one: not a regular file, too big, not an .npz, arrays missing, of shapes
    that do not fit together, or more than WEIGHTS_LIMIT unpacked."""
    with open_model_file(path, WEIGHTS_LIMIT, EXPECTED_WEIGHTS) as f:
        try:
            return _read_weights(f, path)
        except GeneratorError:
            raise
        except (
            OSError,
            ValueError,
            EOFError,
            RuntimeError,  # an encrypted member
            NotImplementedError,  # a compression zipfile does not know
            zipfile.BadZipFile,
            zlib.error,
        ) as e:
            text = str(e).strip()
            reason = text.splitlines()[0][:160] if text else type(e).__name__
            raise GeneratorError(f"{path}: not a rhythm weights file (.npz): {reason}") from None


def _not_weights(path: Path, why: str) -> GeneratorError:
    return GeneratorError(f"{path}: not a rhythm weights file: {why}")


def _check_central_directory(f: BinaryIO, path: Path) -> None:
    """Refuse a zip whose list of members is bigger than CENTRAL_LIMIT before zipfile reads
    it (a list of a million empty members would take hundreds of MB): the end record, which
    zipfile finds as this does (the last signature in the file's last 64 KB), gives its size.
    A zip without one is left for zipfile to refuse."""
    size = f.seek(0, 2)
    tail_size = min(size, 22 + 0xFFFF)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        raise _not_weights(path, "a ZIP64 archive (weights files are small zips)")
    central = int.from_bytes(tail[at + 12 : at + 16], "little")
    if central > CENTRAL_LIMIT:
        raise _not_weights(
            path, f"its list of members is {size_text(central)}, more than weights files hold"
        )
    f.seek(0)


def _header(member: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and type an .npy member declares, from its header alone (nothing unpacked
    but the first few hundred bytes)."""
    version = npy.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = npy.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, _, dtype = npy.read_array_header_2_0(member)
    else:
        raise ValueError(f".npy format version {version[0]}.{version[1]} is not read here")
    if any(n < 0 for n in shape):
        raise ValueError(f"an array of negative shape {shape}")
    return tuple(int(n) for n in shape), dtype


def _expected_shapes(headers: Headers, path: Path) -> dict[str, tuple[int, ...]]:
    """The shape each known array must have (-1: any length), from the decoder's first two
    layers (their sizes are the training's choice: hidden layers and latent size)."""
    first, second = headers["dec1.weight"][0], headers["dec2.weight"][0]
    if len(first) != 2 or len(second) != 2 or min(*first, *second) < 1:
        raise _not_weights(
            path, f"dec1.weight {first} and dec2.weight {second} must be matrices (rows, columns)"
        )
    (h2, latent), h1 = first, second[0]
    names = headers["style_names"][0] if "style_names" in headers else ()
    styles = names[0] if len(names) == 1 else -1
    return {
        "dec1.weight": (h2, latent), "dec1.bias": (h2,),
        "dec2.weight": (h1, h2), "dec2.bias": (h1,),
        "out.weight": (2 * CELLS, h1), "out.bias": (2 * CELLS,),
        "latent_low": (latent,), "latent_high": (latent,),
        "enc1.weight": (h1, CELLS), "enc1.bias": (h1,),
        "enc2.weight": (h2, h1), "enc2.bias": (h2,),
        "mu.weight": (latent, h2), "mu.bias": (latent,),
        "logvar.weight": (latent, h2), "logvar.bias": (latent,),
        "style_names": (-1,), "style_centres": (styles, latent), "train_latents": (-1, latent),
    }  # fmt: skip


def _shape_text(shape: tuple[int, ...]) -> str:
    """A shape as numpy writes it, with n for any length: (288, 256), (n, 4), (4,)."""
    parts = ["n" if n == -1 else str(n) for n in shape]
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"


def _fits(shape: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    return len(shape) == len(expected) and all(e in (-1, n) for n, e in zip(shape, expected))


def _check_headers(headers: Headers, path: Path) -> None:
    """Refuse, before anything is unpacked, arrays whose shapes do not fit the decoder, of a
    type no training writes, or bigger in all than WEIGHTS_LIMIT."""
    shapes = _expected_shapes(headers, path)
    total = 0
    for key, (shape, dtype) in headers.items():
        expected = shapes[key]
        if not _fits(shape, expected):
            raise _not_weights(
                path,
                f"{key} has shape {shape}, expected {_shape_text(expected)} (as the decoder's "
                "layers say)",
            )
        kind = "U" if key == "style_names" else "f"
        if dtype.kind != kind or dtype.hasobject or dtype.fields is not None:
            wanted = "text" if kind == "U" else "floating-point numbers"
            raise _not_weights(path, f"{key} holds {dtype}, expected {wanted}")
        total += math.prod(shape) * dtype.itemsize
    if total > WEIGHTS_LIMIT:
        raise _not_weights(
            path, f"its arrays would take {size_text(total)} unpacked, more than the "
            f"{size_text(WEIGHTS_LIMIT)} a weights file may hold"
        )  # fmt: skip


def _read_weights(f: BinaryIO, path: Path) -> dict[str, np.ndarray]:
    _check_central_directory(f, path)
    known = (*DECODER_KEYS, "latent_low", "latent_high", *ENCODER_KEYS, *EXTRA_KEYS)
    with zipfile.ZipFile(f) as z:
        members = {
            info.filename.removesuffix(".npy"): info
            for info in z.infolist()
            if info.filename.endswith(".npy") and info.filename.removesuffix(".npy") in known
        }
        missing = [k for k in (*DECODER_KEYS, "latent_low", "latent_high") if k not in members]
        if missing:
            raise _not_weights(path, f"missing {', '.join(missing)}")
        headers: Headers = {}
        for key, info in members.items():
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _not_weights(path, f"{key} is compressed in a way numpy never writes")
            with z.open(info) as member:
                headers[key] = _header(member)
        _check_headers(headers, path)
        arrays = {}
        for key, info in members.items():
            with z.open(info) as member:  # reads no more than the header declares
                arrays[key] = npy.read_array(member, allow_pickle=False)
            if arrays[key].shape != headers[key][0]:
                raise _not_weights(path, f"{key} changed shape while it was read")
    return arrays


class NumpyDecoder:
    """latent -> (onset logits, velocities 0..1), each (9, 16), with numpy only.

    A cell is a hit where its onset logit is above 0 (probability above one half). Each
    layer's bias is folded into its weights (a constant 1 at the end of the layer's input),
    and the buffers are reused, so one decode is a handful of numpy calls.
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        def folded(name: str) -> np.ndarray:
            w, b = arrays[f"{name}.weight"], arrays[f"{name}.bias"]
            return np.ascontiguousarray(np.vstack([w.T, b[None, :]]), np.float32)

        self.w1, self.w2, self.w3 = folded("dec1"), folded("dec2"), folded("out")
        self.latent_size = self.w1.shape[0] - 1
        if self.w3.shape[1] != 2 * CELLS:
            raise GeneratorError("rhythm weights: the decoder must output 9 x 16 x 2 values")
        n1, n2 = self.w1.shape[1], self.w2.shape[1]
        f32 = np.float32  # as trained; half the memory traffic of float64
        self._z = np.ones(self.latent_size + 1, f32)  # the trailing 1s carry the biases
        self._h1 = np.ones(n1 + 1, f32)
        self._h2 = np.ones(n2 + 1, f32)
        self._out = np.empty(2 * CELLS, f32)
        self._h1_body, self._h2_body = self._h1[:n1], self._h2[:n2]
        # velocity v (1..127) where 127 * sigmoid(logit) rounds to v: one search, no exp
        levels = (np.arange(1, 127) + 0.5) / 127.0
        self._velocity_edges = np.log(levels / (1.0 - levels)).astype(np.float32)
        self._velocities = np.arange(1, 128, dtype=np.uint8)
        self._lock = threading.Lock()

    def logits(self, z: np.ndarray) -> np.ndarray:
        """The 288 raw outputs: onset logits, then velocity logits (a buffer reused per call:
        hold the lock, as `pattern` does)."""
        self._z[:-1] = z
        h1, h2 = self._h1_body, self._h2_body
        np.dot(self._z, self.w1, out=h1)
        np.maximum(h1, 0.0, out=h1)
        np.dot(self._h1, self.w2, out=h2)
        np.maximum(h2, 0.0, out=h2)
        return np.dot(self._h2, self.w3, out=self._out)

    def __call__(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            out = self.logits(z)
            onsets = out[:CELLS].reshape(9, 16).copy()
            return onsets, 1.0 / (1.0 + np.exp(-out[CELLS:].reshape(9, 16)))

    def pattern(self, z: np.ndarray) -> np.ndarray:
        """uint8 velocities (9, 16): 0 where the onset logit is not above 0, else 1..127."""
        with self._lock:  # the buffers are shared: one decode at a time
            out = self.logits(z)
            velocity = self._velocities.take(np.searchsorted(self._velocity_edges, out[CELLS:]))
            velocity[out[:CELLS] <= 0.0] = 0
            return velocity.reshape(9, 16)


def latent_dims(arrays: dict[str, np.ndarray]) -> list[LatentDim]:
    low, high = arrays["latent_low"], arrays["latent_high"]
    return [
        LatentDim(f"latent-{k + 1}", round(float(lo), 3), round(float(hi), 3))
        for k, (lo, hi) in enumerate(zip(low, high))
    ]
