"""A generator's model file when a project is saved as a new folder: carried along when it
lies inside the old folder (a project is self-contained), else named from the new one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from mapper.generators.consent import MODEL_FILE_KEYS, model_file


def carry_model_file(spec: dict[str, Any] | None, old: Path | None, new: Path) -> Path | None:
    """Copy the model file `spec` names into `new`, at the same place relative to the folder,
    when it lies inside `old`; the settings then name it relatively. Returns the copy (None
    when nothing was copied: no file, no old folder, or a file outside it). OSError if the
    copy cannot be written. Other model paths are named from `new` (rebase_model_path)."""
    path = model_file(spec, old)
    if spec is None or old is None or path is None or not path.is_file():
        rebase_model_path(spec, old, new)
        return None
    home = old.expanduser().resolve()
    if not path.is_relative_to(home):
        rebase_model_path(spec, old, new)
        return None
    relative = path.relative_to(home)
    copy = new / relative
    if copy.resolve() != path:  # saving as into a folder inside the old one: it may be there
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    spec[MODEL_FILE_KEYS[str(spec.get("type", "rhythm"))]] = relative.as_posix()
    return copy


def rebase_model_path(spec: dict[str, Any] | None, old: Path | None, new: Path) -> None:
    """Rewrite, in place, a generator's relative model path (torchscript's "path", the drum
    model's "weights") saved from folder `old` (None: the working directory) so that it names
    the same file from folder `new`. Absolute paths are left as they are. In place: the
    project and its saver hold the same dict."""
    if not spec:
        return
    key = MODEL_FILE_KEYS.get(str(spec.get("type", "rhythm")))
    value = spec.get(key) if key else None
    if not key or not isinstance(value, str) or not value or Path(value).expanduser().is_absolute():
        return
    target = ((old if old is not None else Path.cwd()) / value).resolve()
    try:
        spec[key] = target.relative_to(new.expanduser().resolve()).as_posix()
    except ValueError:
        spec[key] = str(target)
