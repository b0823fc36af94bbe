"""The sound training view (the command palette's "Train a sound model"): a small form (the
recordings, the model file, minutes, latent size), then the training's progress: a bar, the
step, the loss, the time left, the best held-out loss, the loss as a sparkline; cancel (the
best so far is kept), and once done its summary and a key that plays the model.

It is a skin over the session's SoundTrainer (mapper.session.sound_training): the training
runs on its own thread, the view reads it on a timer and never waits for it. A training
started over OSC (/mapper/control/trainSound) shows here too.
"""

from __future__ import annotations

import math
from contextlib import suppress
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, ProgressBar, Sparkline, Static

from mapper.errors import MapperError
from mapper.generators.sound.options import LATENT, MINUTES, Progress, clock

if TYPE_CHECKING:
    from mapper.generators.sound.job import SoundTraining
    from mapper.session.sound_training import SoundTrainer

REFRESH = 0.25  # seconds between readings of the training
STAGES = {
    "reading": "Reading the recordings",
    "training": "Training",
    "ordering": "Ordering the latent dimensions",
    "writing": "Writing the model",
    "measuring": "Measuring it on the held-out tenth",
    "done": "Done",
    "cancelled": "Cancelled: the best so far is kept",
    "failed": "Failed",
}
HINT = (
    "Relative paths are inside the project folder (without one, the folder mapper started "
    "in). At least 20 s of sound; a few minutes of it train in a few minutes."
)


def figures(p: Progress | None) -> str:
    """The step, the loss, the best held-out loss, the time left and spent, in one line."""
    if p is None:
        return "starting"
    if p.stage != "training":
        return p.line or STAGES.get(p.stage, p.stage)
    loss = f"{p.loss:.3f}" if math.isfinite(p.loss) else "-"
    best = f"{p.best:.3f}" if math.isfinite(p.best) else "-"
    return (
        f"step {p.step} · loss {loss} · held-out best {best} · {clock(p.eta)} left · "
        f"{clock(p.elapsed)} so far"
    )


def ended(job: SoundTraining) -> tuple[str, SeverityLevel]:
    """How a training ended, in one notification (the main screen's, when the view was not
    up to show it)."""
    result = job.result
    if result is None:
        return f"sound training failed: {job.error}", "error"
    line = result.summary[0] if result.summary else f"wrote {result.out}"
    return f"sound training {result.stopped}: {line}", "information"


class SoundTrainingScreen(Screen[None]):
    """Over the session's trainer; back to the main screen with escape (m while it runs)."""

    BINDINGS = [  # two on escape: the first the state allows runs (see check_action)
        Binding("c,escape", "cancel", "Cancel (keeps the best)"),
        Binding("escape", "back", "Back"),
        Binding("m", "leave", "Main screen (it trains on)"),
        Binding("p", "play", "Play it"),
        Binding("n", "new", "New training"),
    ]

    def __init__(self, trainer: SoundTrainer) -> None:
        super().__init__()
        self.trainer = trainer
        self.editing = trainer.job is None  # the form, else the latest training
        self._shown: tuple[object, ...] = ()
        self._losses = 0

    def compose(self) -> ComposeResult:
        yield Static("[b]Train a sound model[/b] on your recordings", id="sound-title")
        options = self.trainer.job.options if self.trainer.job is not None else None
        with Vertical(id="sound-form"):
            with Horizontal(classes="row"):
                yield Label("recordings", classes="field")
                data = str(options.data) if options else ""
                yield Input(data, placeholder="a folder (or a file) of audio", id="sound-data")
            with Horizontal(classes="row"):
                yield Label("model file", classes="field")
                out = str(options.out) if options else "sound.ts"
                yield Input(out, placeholder="NAME.ts", id="sound-out")
            with Horizontal(classes="row"):
                yield Label("minutes", classes="field")
                minutes = f"{options.minutes:g}" if options else f"{MINUTES:g}"
                yield Input(minutes, type="number", id="sound-minutes", classes="short")
                yield Label("latent size", classes="field")
                latent = str(options.latent) if options else str(LATENT)
                yield Input(latent, type="integer", id="sound-latent", classes="short")
            with Horizontal(classes="buttons"):
                yield Button("Train", variant="primary", id="sound-train")
                yield Checkbox("replace the model file", id="sound-force")
            yield Static(HINT, id="sound-hint")
        with VerticalScroll(id="sound-progress"):
            yield Static(id="sound-what")
            yield ProgressBar(total=1.0, show_eta=False, id="sound-bar")
            yield Static(id="sound-figures")
            yield Sparkline([], id="sound-loss")
            yield Static(id="sound-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.app.clear_notifications()
        self.set_interval(REFRESH, self.tick)
        self.tick()
        if self.editing:
            self.query_one("#sound-data", Input).focus()

    # ---- the view ------------------------------------------------------------------------
    def tick(self) -> None:
        """Show the form or the latest training as it is now."""
        job = self.trainer.job
        editing = self.editing or job is None
        self.query_one("#sound-form").display = editing
        self.query_one("#sound-progress").display = not editing
        if not editing and job is not None:
            self._show(job)
        state = (editing, job is not None and job.running, self.trainer.model is not None)
        if state != self._shown:
            self._shown = state
            self.refresh_bindings()

    def _show(self, job: SoundTraining) -> None:
        p, o = job.progress, job.options
        stage = STAGES.get(p.stage, p.stage) if p is not None else "Starting"
        what = f" · {o.out.name} from {o.data.name or o.data}"  # names: text, not markup
        if o.from_model is None:
            what += f" · latent size {o.latent}"
        what += f" · {o.minutes:g} min at most"
        self.query_one("#sound-what", Static).update(Text.assemble((stage, "bold"), what))
        self.query_one("#sound-bar", ProgressBar).update(progress=p.fraction if p else 0.0)
        result = job.result
        line = figures(p)
        if result is not None:  # (its first summary line is below)
            line = f"{result.steps} steps in {clock(result.train_seconds)} ({result.stopped})"
        self.query_one("#sound-figures", Static).update(line)
        losses = job.losses
        if len(losses) != self._losses:  # the sparkline redrawn only when the loss moved
            self._losses = len(losses)
            self.query_one("#sound-loss", Sparkline).data = losses
        if result is not None:
            summary = Text("\n".join(result.summary))
            if not job.running:
                summary.append("\n\np plays it, n trains another, escape goes back")
        elif job.error:
            summary = Text(job.error, style="red")
        else:
            summary = Text("c or escape cancels: the best model so far is written")
        self.query_one("#sound-summary", Static).update(summary)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something now show in the footer."""
        running = self.trainer.running
        if action in ("cancel", "leave"):
            return running
        if action == "back":
            return not running
        if action == "play":
            return not running and not self.editing and self.trainer.model is not None
        if action == "new":
            return not running and not self.editing
        return True

    # ---- the keys ------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self.trainer.cancel():
            self.notify("cancelling: the best model so far is written")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_leave(self) -> None:
        """Back to the main screen while it trains (the palette's command comes back here)."""
        self.app.pop_screen()

    def action_new(self) -> None:
        self.editing = True
        self.tick()
        self.query_one("#sound-data", Input).focus()

    def action_play(self) -> None:
        """The model plays as the session's generator (loading it takes a moment: on a
        thread); the main screen then shows it, and z its latent map."""
        self.run_worker(self._play, thread=True, exclusive=True, group="play-sound")

    def _play(self) -> None:
        try:
            lines = self.trainer.play()
        except (MapperError, OSError) as e:
            message, severity = f"cannot play it: {e}", "error"
        else:
            message, severity = "\n".join([*lines[:1], "z shows its latent map"]), "information"
        with suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self._played, message, severity)

    def _played(self, message: str, severity: str) -> None:
        if severity == "error":
            self.notify(message, severity="error", timeout=10)
            return
        if self.is_current:
            self.app.pop_screen()
        self.app.notify(message, timeout=8)

    # ---- the form ------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "sound-train":
            self.start()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.start()

    def start(self) -> None:
        """Start a training with the form's answers; a refusal says why."""
        data = self.query_one("#sound-data", Input).value.strip()
        out = self.query_one("#sound-out", Input).value.strip()
        if not data or not out:
            self.notify(
                "give the recordings (a folder or a file) and the model file", severity="warning"
            )
            return
        try:
            minutes = float(self.query_one("#sound-minutes", Input).value)
            latent = int(self.query_one("#sound-latent", Input).value)
        except ValueError:
            self.notify("minutes and the latent size are numbers", severity="warning")
            return
        force = self.query_one("#sound-force", Checkbox).value
        try:
            self.trainer.start(self.trainer.options(data, out, minutes, latent, force=force))
        except MapperError as e:
            self.notify(str(e), severity="error", timeout=10)
            return
        self.editing = False
        self._losses = -1
        self.set_focus(None)  # c, p and n are keys again, not text
        self.tick()
