"""One sound-model training at a time for an open session: `mapper generator train sound`
run from the TUI's training view or over OSC, while the instrument plays on.

    trainer = session.sound_training
    job = trainer.start(trainer.options("takes/", "cello.ts", minutes=3))
    trainer.job          # the latest training (running or ended): progress, losses, result
    trainer.cancel()     # it stops at the next step; the best model so far is written
    trainer.play()       # the model it wrote plays as the session's generator

The training runs on its own thread (mapper.generators.sound.job) with one core fewer than
the machine has (the OSC receive thread keeps one), and never touches the hot path. While it
runs, `/mapper/sound/progress STAGE STEP LOSS ETA FRACTION` goes to the send target (at most
PER_SECOND a second; every change of stage at once), then `/mapper/sound/done OUT` (a model
was written: finished or cancelled) or `/mapper/sound/failed LINE`.

Paths: relative ones are taken inside the project folder (without one, the current folder).
Over OSC both must lie inside the project folder or a folder allowed with `--allow-dir`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapper.core.engine import EngineError
from mapper.errors import GeneratorError
from mapper.generators.sound.job import SoundTraining, training_threads
from mapper.generators.sound.options import (
    LATENT,
    MIN_SECONDS,
    MINUTES,
    Progress,
    TrainOptions,
    check,
)
from mapper.osc.codec import printable
from mapper.session.latent_map import go_to_point

if TYPE_CHECKING:
    from mapper.session.session import Session

OURS = "/mapper/control/"
PROGRESS = "/mapper/sound/progress"
DONE = "/mapper/sound/done"
FAILED = "/mapper/sound/failed"
PER_SECOND = 4  # progress messages at most
CLOSE_WAIT = 5.0  # seconds a closing session waits for a cancelled training's best model
LINE = 300  # characters of a failure's line at most, over OSC

Send = Callable[[str, Sequence[Any], str], None]


def progress_args(p: Progress) -> list[Any]:
    """/mapper/sound/progress's arguments (tags sifff): -1 for a loss or ETA not known yet."""
    loss = p.loss if math.isfinite(p.loss) else -1.0
    eta = p.eta if math.isfinite(p.eta) else -1.0
    return [p.stage, int(p.step), float(loss), float(eta), float(p.fraction)]


class OSCReports:
    """What a training says over OSC (through `send`): its progress, at most PER_SECOND
    messages a second and one at every change of stage, then done or failed."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._sent_at = -math.inf
        self._sent_stage = ""

    def progress(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.stage != self._sent_stage or now - self._sent_at >= 1.0 / PER_SECOND:
            self._sent_stage, self._sent_at = progress.stage, now
            self._send(PROGRESS, progress_args(progress), "sifff")

    def end(self, job: SoundTraining) -> None:
        if job.result is not None:
            self._send(DONE, [str(job.result.out)], "s")
        else:
            line = job.error or "the training stopped unexpectedly"
            self._send(FAILED, [printable(line, LINE)], "s")


class SoundTrainer:
    """The session's sound trainings, one at a time (`session.sound_training`)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lock = threading.Lock()
        self.job: SoundTraining | None = None  # the latest, running or ended

    @property
    def running(self) -> bool:
        job = self.job
        return job is not None and job.running

    def path(self, text: str | Path) -> Path:
        """A path as the user gave it: a relative one inside the project folder (without
        one, the current folder)."""
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = (self._session.folder or Path.cwd()) / path
        return path

    def options(
        self,
        data: str | Path,
        out: str | Path,
        minutes: float = MINUTES,
        latent: int = LATENT,
        min_seconds: float = MIN_SECONDS,
        force: bool = False,
    ) -> TrainOptions:
        """The training options for these answers (the TUI's form, OSC's arguments)."""
        return TrainOptions(
            self.path(data),
            self.path(out),
            minutes=minutes,
            latent=latent,
            min_seconds=min_seconds,
            force=force,
        )

    def start(self, options: TrainOptions) -> SoundTraining:
        """Start a training on its own thread. EngineError while one runs; GeneratorError for
        data that is not there, or a model file that is (unless `force`) or not *.ts. The
        rest is checked on the training's thread (torch is imported there, never here: this
        may be the OSC receive thread): what fails there ends the training as failed."""
        with self._lock:
            job = self.job
            if job is not None and job.running:
                raise EngineError(
                    f"a sound training is running already ({job.options.out.name}): cancel it first"
                )
            if not options.data.exists():
                raise GeneratorError(f"{options.data}: no such file or folder")
            check(options)

            def send(address: str, args: Sequence[Any], tags: str) -> None:
                # the server playing now: a project opened meanwhile has its own
                self._session.server.sender.send_message(address, args, tags)

            reports = OSCReports(send)
            job = SoundTraining(options, reports.progress, reports.end, training_threads())
            job.start()
            self.job = job  # once started: whoever sees it can wait for it
            return job

    def cancel(self) -> bool:
        """Stop the training at its next step (the best so far is written); False if none
        runs."""
        job = self.job
        if job is None or not job.running:
            return False
        job.cancel()
        return True

    @property
    def model(self) -> Path | None:
        """The model the latest training wrote (finished or cancelled), if it did."""
        job = self.job
        result = job.result if job is not None else None
        return result.out if result is not None and result.out.is_file() else None

    def play(self) -> list[str]:
        """Play the model the latest training wrote as the session's generator, in place of
        the one playing, where this run plays (see Session.play_generator); it may load, as
        a file named with --generator torchscript:PATH does: this run made it. Returns the
        lines that say what plays. EngineError with no such model; GeneratorError (or
        OSError) if it cannot play."""
        from mapper.generators.neural.player import spec_path

        out = self.model
        if out is None:
            raise EngineError("no sound model trained in this run yet: nothing to play")
        session = self._session
        consent = session.consent
        session.consent = replace(consent, named=consent.named | {out.resolve()})
        return session.play_generator(
            {"type": "torchscript", "path": spec_path(out, session.folder)}
        )

    def close(self) -> None:
        """The session closes: a training still running stops, and its best model so far is
        written (waited for a few seconds at most)."""
        with self._lock:  # a training being started is started before it is stopped
            job = self.job
        if job is not None and job.running:
            job.cancel()
            job.wait(CLOSE_WAIT)


def osc_path(text: Any, what: str, session: Session) -> Path:
    """A path named over OSC: relative ones inside the project folder (else the first folder
    allowed with --allow-dir); it must lie inside the project folder or an allowed folder
    (nothing else on the disk is read or written over OSC). EngineError otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise EngineError(f"give {what} (a path, as a string)")
    if not text.isprintable():
        raise EngineError(f"{printable(text)}: a path with control characters is refused")
    homes = [p for p in (session.folder, *session.allowed_dirs) if p is not None]
    if not homes:
        raise EngineError(
            f"trainSound: no folder to read or write in: open a project folder, or start "
            f"mapper headless with --allow-dir DIR (for {printable(text)})"
        )
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = homes[0] / path
    real = path.resolve()
    for home in homes:
        base = home.expanduser().resolve()
        if real == base or real.is_relative_to(base):
            return real
    raise EngineError(
        f"{printable(text)} is outside the project folder and the folders allowed with "
        "--allow-dir: refused"
    )


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise EngineError(f"{what} must be a number, not {printable(repr(value), 40)}")
    return float(value)


def make_sound_controls(session: Session) -> dict[str, Callable[[Sequence[Any]], None]]:
    """`/mapper/control/trainSound DATA OUT [MINUTES [MIN_SECONDS]]`,
    `/mapper/control/cancelSoundTraining`, `/mapper/control/playSoundModel` (the model the
    latest training wrote, on a worker: loading it takes a moment) and
    `/mapper/control/latentPoint K` (the outputs to the playing model's K-th map point)."""
    trainer = session.sound_training

    def train(args: Sequence[Any]) -> None:
        if not 2 <= len(args) <= 4:
            raise EngineError("trainSound takes DATA OUT [MINUTES [MIN_SECONDS]]")
        data = osc_path(args[0], "the data folder", session)
        out = osc_path(args[1], "the model file to write", session)
        minutes = _number(args[2], "MINUTES") if len(args) > 2 else MINUTES
        seconds = _number(args[3], "MIN_SECONDS") if len(args) > 3 else MIN_SECONDS
        if minutes <= 0 or seconds < 0:
            raise EngineError("MINUTES must be above 0, and MIN_SECONDS 0 or more")
        try:
            trainer.start(trainer.options(data, out, minutes, min_seconds=seconds))
        except GeneratorError as e:  # refused as any control is: logged and counted
            raise EngineError(str(e)) from None

    def cancel(args: Sequence[Any]) -> None:
        if args:
            raise EngineError("cancelSoundTraining takes no arguments")
        if not trainer.cancel():
            raise EngineError("no sound training is running")

    def play(args: Sequence[Any]) -> None:
        if args:
            raise EngineError("playSoundModel takes no arguments")
        if trainer.model is None:
            raise EngineError("no sound model trained in this run yet: nothing to play")

        def work() -> None:
            try:
                trainer.play()
            except Exception as e:  # the instrument plays on with the generator it had
                error = f"playSoundModel: {printable(e, 200)}"
                session.engine.counters.control_errors += 1
                session.engine.counters.last_control_error = error
                session.server.jobs.warn("open", error)

        session.server.jobs.submit("open", work, key="playSoundModel")

    def latent_point(args: Sequence[Any]) -> None:
        if len(args) != 1:
            raise EngineError("latentPoint takes one point number (1-based)")
        k = _number(args[0], "the point number")
        if k != int(k):
            raise EngineError(f"the point number must be whole, not {k:g}")
        go_to_point(session, int(k) - 1)

    return {
        OURS + "trainSound": train,
        OURS + "cancelSoundTraining": cancel,
        OURS + "playSoundModel": play,
        OURS + "latentPoint": latent_point,
    }
