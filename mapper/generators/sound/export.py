"""Writing a sound model as TorchScript (RAVE's interface, streaming.py), reading one back to
fine-tune it, and the model shipped with mapper."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import torch

from mapper.errors import GeneratorError
from mapper.file_kinds import MiB
from mapper.generators.files import open_model_file, opened_name
from mapper.generators.sound.options import SHIPPED
from mapper.generators.sound.streaming import SoundModel

OURS = ("n_fft", "hidden", "bands", "latent_size", "sr")  # what `train sound` saves
LIMIT = 256 * MiB


def shipped_model() -> Path:
    """The model shipped with mapper (shipped_corpus.py says how it was made)."""
    if not SHIPPED.is_file():
        raise GeneratorError(f"the shipped sound model is missing ({SHIPPED}); reinstall mapper")
    return SHIPPED


def write_model(model: SoundModel, out: Path) -> None:
    """Script `model` (on the CPU) and save it at `out`, replacing it whole or not at all."""
    model = model.to("cpu").eval().requires_grad_(False)  # state must not chain a graph
    with warnings.catch_warnings():  # TorchScript is deprecated in torch, but it is what
        warnings.simplefilter("ignore", DeprecationWarning)  # RAVE and nn~ use
        scripted = torch.jit.script(model)
    scripted.reset()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    try:
        scripted.save(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as a file written plainly (mkstemp's is 0600)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def load_scripted(path: Path) -> torch.jit.ScriptModule:
    """A TorchScript file this process wrote (for measuring it), without torch's notice that
    TorchScript is deprecated (RAVE and nn~ still use it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(path), map_location="cpu")


def read_model(path: Path) -> SoundModel:
    """A model `train sound` made, as a trainable module (for --from). Runs the file's code,
    like any TorchScript load: only for files the user chose."""
    with open_model_file(path, LIMIT, "a model made by `mapper generator train sound`") as f:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                scripted = torch.jit.load(opened_name(f, path), map_location="cpu")
        except Exception as e:
            line = (str(e).strip().splitlines() or [type(e).__name__])[0][:120]
            raise GeneratorError(f"{path} is not a TorchScript model ({line})") from None
    if not all(hasattr(scripted, name) for name in OURS):
        raise GeneratorError(
            f"{path} was not made by `mapper generator train sound`, so it cannot be fine-tuned "
            "here (a RAVE export is fine-tuned with RAVE); it can still be played"
        )
    model = SoundModel(
        int(scripted.sr),
        int(scripted.n_fft),
        int(scripted.latent_size),
        int(scripted.bands),
        int(scripted.hidden),
        scripted.mel.detach().clone(),
    )
    # the vocoder holds no weights (its buffers are its state, and constants made anew)
    state = {
        k: v.detach().clone()
        for k, v in scripted.state_dict().items()
        if not k.startswith("vocoder.")
    }
    model.latent_map = state.get("latent_map", model.latent_map)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as e:
        line = str(e).splitlines()[-1].strip()[:160]
        raise GeneratorError(f"{path}: its weights do not fit its settings ({line})") from None
    missing = [k for k in missing if not k.startswith("vocoder.")]
    if missing or unexpected:
        raise GeneratorError(
            f"{path}: its weights do not fit its settings (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]})"
        )
    model.reset()
    return model
