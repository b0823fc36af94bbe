"""Which model files a run may load: nothing in a project folder runs without the user's say.

A project's generator settings can name a model file (a TorchScript model is a program; the
drum model's weights are numbers). The rules:
- a file the command line named (`--generator torchscript:PATH`) may load: the user chose it;
- otherwise the file must lie inside the project's own folder (symbolic links followed), never
  anywhere else on disk;
- and if it is a program (TorchScript), it runs only when the user allowed the project's
  models (`--trust-models`, or yes in the TUI's question).
The drum model's weights are plain arrays (no pickles): inside the folder, they need no yes.
The sound model mapper ships (`--generator sound`) is part of mapper: it always loads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mapper.errors import ModelNotTrusted, shown
from mapper.generators.sound.options import SHIPPED, shipped_named

MODEL_FILE_KEYS = {"torchscript": "path", "rhythm": "weights"}  # a generator's model file
PROGRAMS = frozenset({"torchscript"})  # model files that are code when loaded


def model_file(spec: dict[str, Any] | None, folder: Path | None) -> Path | None:
    """The model file a generator's settings name (relative to `folder`), resolved; None when
    they name none (the shipped drum model). ModelNotTrusted (never askable) when the name
    cannot be resolved (a symbolic link loop, a NUL in it): no file is known to be inside."""
    if not spec:
        return None
    key = MODEL_FILE_KEYS.get(str(spec.get("type", "rhythm")))
    value = spec.get(key) if key else None
    if not key or not isinstance(value, str) or not value:
        return None
    try:
        path = shipped_named(value) or Path(value).expanduser()
        if not path.is_absolute():
            path = (folder if folder is not None else Path.cwd()) / path
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as e:  # RuntimeError: a symlink loop
        reason = str(e).splitlines()[0][:120] if str(e).strip() else type(e).__name__
        where, fix = f"{folder}/project.json", "name a model file inside the project folder"
        if folder is None:
            where, fix = "the generator's settings", "name a model file that is there"
        raise ModelNotTrusted(
            f"{where}: generator.{key} {shown(value, 60)} names no file that can be found "
            f"({reason}); {fix}"
        ) from None


def _resolved(path: str | Path) -> Path:
    """`path` resolved; as given (absolute) when it cannot be (a loop: nothing loads it)."""
    p = Path(path).expanduser()
    try:
        return p.resolve()
    except (OSError, RuntimeError, ValueError):
        return p.absolute()


@dataclass(frozen=True)
class ModelConsent:
    """What this run's user allowed: files named on the command line (`named`), the programs
    inside every project folder it opens (`every_project`: --trust-models), or inside these
    folders (`folders`: the user said yes in the TUI)."""

    named: frozenset[Path] = frozenset()
    every_project: bool = False
    folders: frozenset[Path] = frozenset()

    @classmethod
    def naming(cls, *paths: str | Path | None, every_project: bool = False) -> ModelConsent:
        """Consent for these files (as given on the command line), resolved."""
        named = frozenset(_resolved(p) for p in paths if p)
        return cls(named, every_project)

    def allowing(self, folder: Path) -> ModelConsent:
        """This consent, plus the programs inside `folder` (the user said yes to them)."""
        return replace(self, folders=self.folders | {_resolved(folder)})

    def problem(self, spec: dict[str, Any] | None, folder: Path | None) -> str | None:
        """Why the model these settings name may not load (one line), or None if it may."""
        try:
            path = model_file(spec, folder)
        except ModelNotTrusted as e:  # a name that cannot be resolved never loads
            return str(e)
        if path is None or path in self.named or folder is None or path == _resolved(SHIPPED):
            return None  # no folder: settings this run made (a demo); SHIPPED is mapper's own
        kind = str((spec or {}).get("type", "rhythm"))
        home = _resolved(folder)
        if not path.is_relative_to(home):
            where = f"{folder}/project.json"
            fix = f"copy it in, or name it on the command line (--generator {kind}:PATH)"
            return (
                f"{where} names the model file {path}, outside the project folder: a project "
                f"only loads model files inside its own folder; "
                + (fix if kind in PROGRAMS else "copy it in")
            )
        if kind in PROGRAMS and not (self.every_project or home in self.folders):
            return (  # the advice first: logs cut long lines
                f"{path.name} in {folder.name} is a TorchScript model, a program: it runs only "
                "with --trust-models or --generator torchscript:PATH naming it, and only if "
                "you trust where it came from"
            )
        return None

    def check(self, spec: dict[str, Any] | None, folder: Path | None) -> None:
        """ModelNotTrusted when the settings' model may not load (see `problem`)."""
        problem = self.problem(spec, folder)
        if problem:
            askable = folder is not None and self.allowing(folder).problem(spec, folder) is None
            raise ModelNotTrusted(problem, askable)
