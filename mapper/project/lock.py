"""One gesture-mapper at a time in a project folder: an advisory lock on `.lock` inside it.

Two processes on one folder would both journal into journal.csv and replace each other's
saves, and one side's examples would be lost. So a session holds its folder (`lock_folder`), and
a second process is refused with a message naming the first. The lock is an flock(2) on the
open file `.lock`: released when the project is closed (`FolderLock.release`), and by the OS
whenever the process ends, a kill or a crash included; it never outlives its holder. The file
holds one line about the holder (pid, host, command, since when), written once the lock is
taken, for that message. It is removed on release; a crash leaves it, holding no lock, and the
next holder takes it over.

Reading a folder (load_project, `mapper export`) takes no lasting lock: see `reading`.
Within one process, handles on one folder share its lock: one process is one gesture-mapper.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import shlex
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mapper.errors import MapperError, ProjectError

LOCK_FILE = ".lock"
READER_WAIT = 5.0  # seconds a session waits for a reader's brief hold (a load) to end
_RETRY = 0.02  # seconds between tries while waiting
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


@dataclass
class _Held:
    """A folder this process holds: the locked file, open until the last handle lets go."""

    fd: int
    path: Path
    made: bool  # the folder was made to hold the lock: removed again if it stays empty
    handles: int = 1


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


class FolderLock:
    """This process's hold on one project folder; `release()` when done (more calls: no-ops)."""

    def __init__(self, folder: Path, key: Path) -> None:
        self.folder = folder
        self._key = key
        self._released = False

    def release(self) -> None:
        with _guard:
            if self._released:
                return
            self._released = True
            held = _held.get(self._key)
            if held is None:
                return  # let go of already, at exit
            held.handles -= 1
            if held.handles == 0:
                del _held[self._key]
                _let_go(held.fd, held.path, held.made)


def lock_folder(
    folder: Path, error: type[MapperError] = ProjectError, wait: float = READER_WAIT
) -> FolderLock:
    """Hold `folder` (made if it does not exist yet) for this process.

    Raises `error` (the caller's kind) when another gesture-mapper holds it, with a message
    that names the holder and says to close it; a reader's brief hold is waited for, up to
    `wait` seconds. OSError when the folder or its lock file cannot be made."""
    key = _key(folder)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.handles += 1
            return FolderLock(folder, key)
        if folder.exists() and not folder.is_dir():
            raise error(f"{folder} is a file, not a project folder")
        made = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = _take(folder, error, wait)
        except BaseException:
            if made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        _held[key] = _Held(fd, folder / LOCK_FILE, made)
        _write_holder(fd, reading=False)
        return FolderLock(folder, key)


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[bool]:
    """For the time a project folder is read: True when this process may change it (finish
    an interrupted save, set a stale journal aside), because it holds the folder or could hold
    it for the read (sessions wait for that brief hold); False when another gesture-mapper
    holds it: its files are its own, in the middle of a save perhaps, to be read as they are."""
    with _guard:
        mine = _key(folder) in _held
    if mine or not folder.is_dir():
        yield True
        return
    try:
        fd = _open(folder / LOCK_FILE)
    except OSError:
        fd = None  # a folder nobody can write: nobody can be changing it
    if fd is None:
        yield True
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        yield False
        return
    except BaseException:
        os.close(fd)
        raise
    _write_holder(fd, reading=True)
    try:
        yield True
    finally:
        _let_go(fd, folder / LOCK_FILE, made=False)


@atexit.register
def _let_go_of_all() -> None:
    """At a normal exit, the lock files of the folders still held go too (the OS lets go of
    the locks in any case): `mapper headless` saves after closing, and exits holding."""
    with _guard:
        for held in _held.values():
            _let_go(held.fd, held.path, held.made)
        _held.clear()


def holder(folder: Path) -> str | None:
    """Who holds `folder`, in words ('pid 1234, `mapper headless ...`, since 20:15'), or None
    when nobody does (or this process does, or another process only reads it)."""
    with _guard:
        if _key(folder) in _held:
            return None
    try:
        fd = _open(folder / LOCK_FILE, create=False)  # only a look: nothing made
    except OSError:
        return None
    if fd is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        found = _read_holder(fd)
        return None if found is not None and found.get("reading") else _describe(found)
    finally:
        os.close(fd)  # a shared lock taken to look is let go with the file
    return None


# ---- the lock file --------------------------------------------------------------------------
def _key(folder: Path) -> Path:
    return folder.expanduser().resolve()


def _open(path: Path, create: bool = True) -> int | None:
    """The lock file, open (made if absent, with `create`); read-only where it cannot be
    written; None when it is absent (and cannot be made)."""
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    if create:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o644)
        except OSError as e:
            if e.errno not in _NOT_WRITABLE:
                raise
    try:
        return os.open(path, os.O_RDONLY | flags)  # flock needs no write access
    except FileNotFoundError:
        return None


def _take(folder: Path, error: type[MapperError], wait: float) -> int:
    """The locked lock file's descriptor, or `error` naming the holder."""
    path, deadline = folder / LOCK_FILE, time.monotonic() + wait
    while True:
        fd = _open(path)
        if fd is None:
            raise PermissionError(errno.EACCES, "cannot create the lock file", str(path))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            found = _read_holder(fd)
            os.close(fd)
            brief = found is None or bool(found.get("reading"))  # a load, or just taken
            if brief and time.monotonic() < deadline:
                time.sleep(_RETRY)
                continue
            raise error(
                f"{folder} is open in another gesture-mapper ({_describe(found)}); close it first"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        if _same_file(fd, path):
            return fd
        os.close(fd)  # the holder removed this file as it let go: lock the one there now


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
    except OSError:
        return False


def _let_go(fd: int, path: Path, made: bool) -> None:
    """Remove the lock file (while still holding it, so nobody locks a removed file for
    long: see _take) and let go; remove the folder too if it was made for the lock and holds
    nothing else."""
    if _same_file(fd, path):
        with contextlib.suppress(OSError):
            path.unlink()
    os.close(fd)
    if made:
        with contextlib.suppress(OSError):
            path.parent.rmdir()


def _write_holder(fd: int, reading: bool) -> None:
    line = json.dumps(
        {
            "pid": os.getpid(),
            "host": os.uname().nodename,
            "command": _command(),
            "since": datetime.now().astimezone().isoformat(timespec="seconds"),
            "reading": reading,
        }
    )
    with contextlib.suppress(OSError):  # read-only: the lock holds, without its note
        os.ftruncate(fd, 0)
        os.pwrite(fd, (line + "\n").encode("utf-8"), 0)


def _read_holder(fd: int) -> dict[str, Any] | None:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", errors="replace")
        found = json.loads(text.splitlines()[0]) if text.strip() else None
    except (OSError, ValueError, IndexError):
        return None
    return found if isinstance(found, dict) else None


def _command() -> str:
    argv = list(sys.argv) or ["python"]
    program = Path(argv[0])
    name = program.parent.name if program.name == "__main__.py" else program.name
    if name in ("-c", ""):  # python -c ...
        name = "python -c" if name else "python"
    text = " ".join([name, shlex.join(argv[1:])]).strip()
    return text if len(text) <= 100 else text[:99] + "…"


def _describe(found: dict[str, Any] | None) -> str:
    if found is None:
        return "its process did not say who it is"
    words = [f"pid {found.get('pid', '?')}"]
    host = found.get("host")
    if host and host != os.uname().nodename:
        words[0] += f" on {host}"
    if found.get("command"):
        words.append(f"`{found['command']}`")
    with contextlib.suppress(TypeError, ValueError):
        since = datetime.fromisoformat(str(found.get("since")))
        today = since.date() == datetime.now(since.tzinfo).date()
        words.append("since " + since.strftime("%H:%M" if today else "%Y-%m-%d %H:%M"))
    return ", ".join(words)
