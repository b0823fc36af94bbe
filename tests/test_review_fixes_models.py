"""After review: a generator's model file is read with bounds, and a name that cannot be
resolved is a one-line refusal.

- A rhythm weights file or a TorchScript model that is a FIFO (or a device) is refused at
  once, never opened for long (a plain open waits for a writer forever, and a hung load held
  the session's lock, so not even SIGTERM stopped `mapper headless`).
- A weights .npz is checked before anything is unpacked: each member's .npy header (shape
  and type) must fit the decoder and all of them together fit in WEIGHTS_LIMIT, so a zip
  bomb is refused without the memory it would take.
- A model path that is a symbolic link loop, or holds a NUL, is a one-line ModelNotTrusted
  naming project.json and the field, not a traceback.

Loads that could hang run in a subprocess with a timeout: a hang fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

from mapper.core.examples import ExampleStore
from mapper.errors import GeneratorError, ModelNotTrusted
from mapper.generators.base import LatentDim
from mapper.generators.consent import ModelConsent, model_file
from mapper.generators.latent import latent_outputs
from mapper.generators.rhythm.decoder import load_arrays, shipped_weights
from mapper.generators.rhythm.generator import RhythmGenerator
from mapper.osc.settings import OSCSettings
from mapper.project import Project, save_project

from .test_model_consent import model_project

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
HANG = 30  # seconds: far more than any of these loads takes when it does not hang
WEIGHTS_LIMIT = 64 * MiB  # as mapper.generators.rhythm.decoder says


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c code args` in a fresh process; a hang fails the test (killed at HANG)."""
    try:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=HANG,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung: still loading after {HANG} s")


def headless(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`mapper headless ARGS` expected to refuse and end by itself; a hang fails the test."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "mapper", "headless", "--listen", "127.0.0.1:0", *args],
            capture_output=True,
            text=True,
            timeout=HANG,
            cwd=cwd,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`mapper headless` hung: still running after {HANG} s")


def assert_one_line_refusal(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode != 0, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


LOAD_WEIGHTS = """
import resource, sys
from pathlib import Path
from mapper.errors import GeneratorError
from mapper.generators.rhythm.decoder import load_arrays
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
before = peak()  # after the imports
try:
    arrays = load_arrays(Path(sys.argv[1]))
    print("loaded", sum(a.nbytes for a in arrays.values()))
except GeneratorError as e:
    print("refused:", e)
print("grew MB", peak() - before)
"""

LOAD_MODEL = """
import sys
from mapper.errors import GeneratorError
from mapper.generators.neural.model import load_model
try:
    load_model(sys.argv[1], device="cpu", warm_up=1)
    print("loaded")
except GeneratorError as e:
    print("refused:", e)
"""


def load_weights_apart(path: Path) -> tuple[str, int]:
    """What loading `path` as rhythm weights in a fresh process says, and how many MB its
    peak memory grew while loading."""
    r = run_python(LOAD_WEIGHTS, str(path))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    said, grew = r.stdout.strip().splitlines()
    return said, int(grew.split()[-1])


def rhythm_project(folder: Path, weights: str) -> Path:
    """A saved project whose generator is the drum model with these `weights` (as written)."""
    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2, 3, 4)]
    project = Project(
        folder.name,
        ["x", "y"],
        latent_outputs(dims),
        OSCSettings(listen_port=0, send_port=9),
        generator={"type": "rhythm", "weights": weights},
    )
    save_project(folder, project, ExampleStore(2, 4).snapshot())
    return folder


def shipped_members() -> dict[str, bytes]:
    """The shipped weights file's members, as stored .npy bytes."""
    with zipfile.ZipFile(shipped_weights()) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_npz(path: Path, members: dict[str, bytes], **replaced_headers: tuple) -> Path:
    """An .npz of these members, with some replaced by a header alone declaring (shape,
    descr) and a few bytes of data: an array that claims to be far bigger than it is."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            key = name.removesuffix(".npy")
            if key in replaced_headers:
                shape, descr = replaced_headers[key]
                with z.open(name, "w", force_zip64=True) as m:
                    header = {"descr": descr, "fortran_order": False, "shape": shape}
                    npy.write_array_header_1_0(m, header)
                    m.write(bytes(64))
            else:
                z.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def zeros_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped weights, with train_latents (a shape that fits: n rows of the latent size)
    replaced by 256 MB of real zeros, deflated to about 1 MB: a zip bomb, four times
    WEIGHTS_LIMIT unpacked."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    rows = 256 * MiB // 16
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in shipped_members().items():
            if name != "train_latents.npy":
                z.writestr(name, data)
        with z.open("train_latents.npy", "w", force_zip64=True) as m:
            npy.write_array_header_1_0(
                m, {"descr": "<f4", "fortran_order": False, "shape": (rows, 4)}
            )
            chunk = bytes(MiB)
            for _ in range(256):
                m.write(chunk)
    assert path.stat().st_size < 4 * MiB
    return path


# -- a FIFO, a device, a file too big -------------------------------------------------------


def test_rhythm_weights_that_are_a_fifo_are_refused_at_once(tmp_path: Path):
    fifo = tmp_path / "weights.npz"
    os.mkfifo(fifo)
    said, _ = load_weights_apart(fifo)
    assert said.startswith("refused:") and "is a FIFO (named pipe), not a regular file" in said
    assert str(fifo) in said


def test_rhythm_weights_that_are_a_link_to_a_device_are_refused(tmp_path: Path):
    (tmp_path / "weights.npz").symlink_to("/dev/zero")
    with pytest.raises(GeneratorError, match=r"weights\.npz is a device, not a regular file"):
        load_arrays(tmp_path / "weights.npz")


def test_rhythm_weights_bigger_than_the_limit_are_refused_unread(tmp_path: Path):
    big = tmp_path / "big.npz"
    with open(big, "wb") as f:
        f.truncate(WEIGHTS_LIMIT + MiB)  # sparse: nothing written, nothing read
    with pytest.raises(GeneratorError, match=r"big\.npz: 65 MB is more than the 64 MB"):
        load_arrays(big)


def test_headless_with_fifo_weights_in_the_project_ends_with_one_line(tmp_path: Path):
    """The review's hang: `mapper headless DIR` whose drum weights are a FIFO in DIR."""
    folder = rhythm_project(tmp_path / "song", "weights.npz")
    os.mkfifo(folder / "weights.npz")
    r = headless(str(folder), "--device", "cpu", cwd=tmp_path)
    assert_one_line_refusal(r, "weights.npz is a FIFO (named pipe)")


def test_a_torchscript_model_that_is_a_fifo_is_refused_at_once_and_named(tmp_path: Path):
    fifo = tmp_path / "model.ts"
    os.mkfifo(fifo)
    r = run_python(LOAD_MODEL, str(fifo))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "model.ts is a FIFO (named pipe), not a regular file" in r.stdout, r.stdout
    assert "is a folder" not in r.stdout


def test_a_torchscript_model_that_is_a_device_says_so(tmp_path: Path):
    from mapper.generators.neural.model import load_model

    (tmp_path / "model.ts").symlink_to("/dev/null")
    with pytest.raises(GeneratorError, match=r"model\.ts is a device, not a regular file"):
        load_model(tmp_path / "model.ts", device="cpu")
    with pytest.raises(GeneratorError, match="is a folder, not a regular file"):
        load_model(tmp_path, device="cpu")


def test_headless_with_a_fifo_as_its_trusted_torchscript_model_ends_with_one_line(
    tmp_path: Path,
):
    folder = model_project(tmp_path / "song", "model.ts")
    os.mkfifo(folder / "model.ts")
    r = headless(str(folder), "--trust-models", "--device", "cpu", cwd=tmp_path)
    assert_one_line_refusal(r, "model.ts is a FIFO (named pipe)")


# -- a zip bomb: refused from the headers, before anything is unpacked ----------------------


def test_a_weights_zip_bomb_of_real_zeros_is_refused_without_unpacking(zeros_bomb: Path):
    said, grew = load_weights_apart(zeros_bomb)
    assert said.startswith("refused:"), said
    assert "bomb.npz: not a rhythm weights file: its arrays would take 257 MB unpacked" in said
    assert grew < 32, f"memory grew {grew} MB: the bomb was unpacked"


def test_a_weights_member_whose_header_claims_gigabytes_is_refused_from_its_header(
    tmp_path: Path,
):
    """The shapes fit the decoder (n rows of the latent size), the total does not."""
    bomb = write_npz(
        tmp_path / "claims.npz", shipped_members(), train_latents=((200_000_000, 4), "<f4")
    )
    said, grew = load_weights_apart(bomb)
    assert "its arrays would take 3.0 GB unpacked, more than the 64 MB" in said, said
    assert grew < 32


def test_a_weights_member_of_a_shape_the_decoder_does_not_have_is_refused(tmp_path: Path):
    members = shipped_members()
    wide = write_npz(tmp_path / "wide.npz", members, **{"out.weight": ((288, 100_000), "<f4")})
    with pytest.raises(GeneratorError) as e:
        load_arrays(wide)
    assert str(e.value) == (
        f"{wide}: not a rhythm weights file: out.weight has shape (288, 100000), expected "
        "(288, 256) (as the decoder's layers say)"
    )
    odd = write_npz(tmp_path / "odd.npz", members, latent_low=((5,), "<f4"))
    with pytest.raises(GeneratorError, match=r"latent_low has shape \(5,\), expected \(4,\)"):
        load_arrays(odd)
    text = write_npz(tmp_path / "text.npz", members, **{"dec1.bias": ((128,), "<U8")})
    with pytest.raises(GeneratorError, match=r"dec1\.bias holds <U8, expected floating-point"):
        load_arrays(text)
    huge_names = write_npz(tmp_path / "names.npz", members, style_names=((12,), "<U50000000"))
    with pytest.raises(GeneratorError, match=r"would take 2\.2 GB unpacked"):
        load_arrays(huge_names)


def test_a_weights_zip_with_a_huge_list_of_members_is_refused_before_it_is_read(
    tmp_path: Path,
):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in shipped_members().items():
            z.writestr(name, data)
        for k in range(30_000):  # 30,000 entries: a central directory of about 1.7 MB
            z.writestr(f"junk{k}", b"")
    with pytest.raises(GeneratorError, match=r"many\.npz: not a rhythm weights file: its list of"):
        load_arrays(path)


def test_the_shipped_weights_and_a_decoder_only_file_still_load(tmp_path: Path):
    arrays = load_arrays(shipped_weights())
    with np.load(shipped_weights(), allow_pickle=False) as f:
        assert sorted(arrays) == sorted(f.files)
        for key in f.files:
            assert np.array_equal(arrays[key], f[key]) and arrays[key].dtype == f[key].dtype
    keys = ("dec1.weight", "dec1.bias", "dec2.weight", "dec2.bias", "out.weight", "out.bias",
            "latent_low", "latent_high")  # fmt: skip
    np.savez_compressed(tmp_path / "decoder.npz", **{k: arrays[k] for k in keys})  # type: ignore[arg-type]
    gen = RhythmGenerator(tmp_path / "decoder.npz", device="cpu")
    assert np.array_equal(gen.decode(np.zeros(4)), RhythmGenerator(device="cpu").decode([0] * 4))


# -- a model path that cannot be resolved ----------------------------------------------------


@pytest.mark.parametrize("kind", ["torchscript", "rhythm"])
def test_a_model_path_that_is_a_symlink_loop_is_one_line_in_headless(tmp_path: Path, kind: str):
    if kind == "torchscript":
        folder, field = model_project(tmp_path / "song", "loop.ts"), "generator.path"
        (folder / "loop.ts").symlink_to("loop.ts")
    else:
        folder, field = rhythm_project(tmp_path / "song", "loop.npz"), "generator.weights"
        (folder / "loop.npz").symlink_to("loop.npz")
    for trust in ((), ("--trust-models",)):
        r = headless(str(folder), "--device", "cpu", *trust, cwd=tmp_path)
        assert_one_line_refusal(r, f"{folder}/project.json", field, "loop", "no file")
        assert "listening on" not in r.stdout


def test_a_model_path_with_a_nul_is_one_line_in_headless(tmp_path: Path):
    folder = model_project(tmp_path / "song", "a\0b.ts")
    r = headless(str(folder), "--device", "cpu", "--trust-models", cwd=tmp_path)
    assert_one_line_refusal(r, f"{folder}/project.json", "generator.path", "'a\\x00b.ts'")
    assert "embedded null byte" in r.stderr


def test_an_unresolvable_model_path_is_model_not_trusted_and_never_askable(tmp_path: Path):
    (tmp_path / "loop.ts").symlink_to("loop.ts")
    for value in ("loop.ts", "a\0b.ts"):
        spec = {"type": "torchscript", "path": value}
        with pytest.raises(ModelNotTrusted, match=r"generator\.path") as e:
            model_file(spec, tmp_path)
        assert "project.json" in str(e.value) and "\n" not in str(e.value)
        for consent in (ModelConsent(), ModelConsent(every_project=True)):
            with pytest.raises(ModelNotTrusted) as e:
                consent.check(spec, tmp_path)
            assert not e.value.askable  # a yes would not make it loadable: the TUI never asks
        assert ModelConsent.naming(tmp_path / value).problem(spec, tmp_path) is not None
