"""What to open and how to play it: typed, frozen options, parsed once at the edge.

The command line (mapper.cli.parse) builds these; `mapper headless`, the TUI and the tests all
hand them to the one factory (mapper.session.factory.open_instrument). Nothing here reads the
disk or a socket: checks that need the project (does --bpm fit its generator?) are methods
that take what they need.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mapper import extras
from mapper.errors import GeneratorError
from mapper.generators.consent import ModelConsent
from mapper.generators.tempo import check_bpm
from mapper.osc.settings import DEFAULT_LISTEN, OSCSettings
from mapper.sources.spec import SourceSpec

GeneratorKind = Literal["rhythm", "torchscript"]
RHYTHM: GeneratorKind = "rhythm"
TORCHSCRIPT: GeneratorKind = "torchscript"
PREFIX = TORCHSCRIPT + ":"
SOUND = "sound"  # the sound model mapper ships: torchscript with its file
FORMS = (
    "rhythm (the drum model), sound (the sound model mapper ships) or torchscript:PATH.ts "
    "(a RAVE export, or a model `mapper generator train sound` made)"
)


@dataclass(frozen=True)
class GeneratorChoice:
    """`--generator`: the shipped drum model, or a TorchScript model file (a RAVE export)."""

    kind: GeneratorKind
    model: str | None = None  # torchscript: the .ts file as given

    @classmethod
    def parse(cls, value: str) -> GeneratorChoice:
        """'rhythm', 'sound' or 'torchscript:PATH.ts'; GeneratorError for anything else."""
        if value == RHYTHM:
            return cls(RHYTHM)
        if value == SOUND:
            from mapper.generators.sound.options import SHIPPED

            return cls(TORCHSCRIPT, str(SHIPPED))
        if value.startswith(PREFIX) and value[len(PREFIX) :].strip():
            return cls(TORCHSCRIPT, value[len(PREFIX) :])
        raise GeneratorError(f"--generator {value}: give {FORMS}")


@dataclass(frozen=True)
class PlayOptions:
    """Which generator plays, and where its sound goes (for the whole run: a project opened
    later plays there too)."""

    generator: GeneratorChoice | None = None  # None: the project's own, if it has one
    steer: int | None = None  # torchscript: how many latent dimensions the outputs steer
    bpm: float | None = None  # rhythm: tempo
    device: str = "auto"  # where the model runs: auto, cpu or cuda
    midi: str | None = None  # rhythm: a MIDI port for the hits
    audio: bool | None = None  # the speakers: --audio / --no-audio; None: on in the TUI's
    # demos when a sound device is there, else off (mapper.session.sound)
    record_audio: str | None = None  # torchscript: a WAV file of what plays
    trust_models: bool = False  # --trust-models: the TorchScript models inside project folders
    trusted_folders: frozenset[Path] = frozenset()  # projects whose models the user said yes to

    def consent(self) -> ModelConsent:
        """Which model files may load this run: the one --generator names, and the programs
        inside project folders only with --trust-models (or a yes for that folder)."""
        named = self.generator.model if self.generator is not None else None
        consent = ModelConsent.naming(named, every_project=self.trust_models)
        for folder in self.trusted_folders:
            consent = consent.allowing(folder)
        return consent

    def trusting(self, folder: Path) -> PlayOptions:
        """These options, with the user's yes to the models inside `folder`."""
        return dataclasses.replace(self, trusted_folders=self.trusted_folders | {folder})

    def kind(self, project_generator: dict[str, Any] | None) -> str | None:
        """The generator type this run plays (the command line's, else the project's)."""
        if self.generator is not None:
            return self.generator.kind
        if project_generator:
            return str(project_generator.get("type", RHYTHM))
        return None

    def wanted(self, project_generator: dict[str, Any] | None) -> bool:
        return self.generator is not None or bool(project_generator)

    def check(self, project_generator: dict[str, Any] | None) -> None:
        """GeneratorError for options that do not fit the generator (or its absence), a bad
        tempo, a bad --steer or a --record-audio file that cannot be written."""
        playing = self.kind(project_generator)
        neural_only = (("--steer", self.steer), ("--record-audio", self.record_audio))
        drums_only = (("--bpm", self.bpm), ("--midi", self.midi))
        if playing is None:
            for flag, value in drums_only:  # --audio alone: the built-in synth plays
                if value:
                    raise GeneratorError(f"{flag} plays a generator: add --generator rhythm")
            for flag, value in neural_only:
                if value:
                    raise GeneratorError(
                        f"{flag} is for a neural audio model: add --generator torchscript:MODEL.ts"
                    )
        elif playing == TORCHSCRIPT:
            for flag, value in drums_only:
                if value:
                    raise GeneratorError(
                        f"{flag} is for the drum model (--generator rhythm); a torchscript model "
                        "plays audio blocks at its own sample rate"
                    )
        else:
            for flag, value in neural_only:
                if value:
                    raise GeneratorError(
                        f"{flag} is for a neural audio model (--generator torchscript:MODEL.ts), "
                        f"not the {playing} generator"
                    )
        if self.steer is not None and self.steer < 1:
            raise GeneratorError("--steer must be at least 1")
        if self.record_audio:
            path = Path(self.record_audio)
            if path.is_dir() or not path.parent.is_dir():
                raise GeneratorError(
                    f"--record-audio {self.record_audio}: give a file in a folder that exists, "
                    "e.g. take.wav"
                )
        if self.midi and (missing_midi := extras.missing("midi")):
            raise GeneratorError(f"--midi: {missing_midi}")
        if self.bpm is not None:
            try:
                check_bpm(self.bpm)
            except ValueError as e:
                raise GeneratorError(f"--bpm: {e}") from None


@dataclass(frozen=True)
class NewProjectOptions:
    """The counts a new project is made from (`mapper headless DIR --inputs 3 --outputs 2`)."""

    inputs: int | None = None
    outputs: int | None = None
    kind: Literal["continuous", "classifier", "dtw"] | None = None
    classes: int | None = None
    model: str | None = None
    gestures: int | None = None  # gestures per gesture set (DTW)


@dataclass(frozen=True)
class NetworkOptions:
    """Where this run listens and sends (never saved: the project keeps its own)."""

    listen: tuple[str, int] | None = None
    send: tuple[str, int] | None = None
    allowed_dirs: tuple[Path, ...] = ()  # where OSC may save and open projects by path
    fallback_port: bool = False  # the listening port is taken: take a free one (the TUI)

    def apply(self, saved: OSCSettings) -> OSCSettings:
        """The project's settings with this run's --listen and --send. A project file never
        opens the instrument beyond this machine by itself: without --listen, a listen host
        that is not loopback is replaced by 127.0.0.1 for this run (`warnings` says so)."""
        osc = dataclasses.replace(saved)
        if self.listen is not None:
            osc.listen_host, osc.listen_port = self.listen
        elif saved.listens_beyond_this_machine:
            osc.listen_host = DEFAULT_LISTEN[0]
        if self.send is not None:
            osc.send_host, osc.send_port = self.send
        return osc

    def warnings(self, saved: OSCSettings) -> list[str]:
        """What `apply` changed that the performer should know: a project's listen host
        beyond this machine, kept to loopback for this run."""
        if self.listen is not None or not saved.listens_beyond_this_machine:
            return []
        return [
            f"the project listens on {saved.listen_host}; listening on {DEFAULT_LISTEN[0]} only "
            f"(this machine). To let other machines play it, add --listen "
            f"0.0.0.0:{saved.listen_port}"
        ]


@dataclass(frozen=True)
class InstrumentOptions:
    """Everything a run needs to open and play an instrument."""

    folder: Path | None = None  # None: nothing on disk (the demo, or an untitled project)
    new: NewProjectOptions = field(default_factory=NewProjectOptions)
    network: NetworkOptions = field(default_factory=NetworkOptions)
    play: PlayOptions = field(default_factory=PlayOptions)
    run: bool = False  # start running once the examples are trained
    source: SourceSpec | None = None  # --source: a phone app's OSC, a MIDI controller, a gamepad
    demo: bool = False  # no folder: open the built-in demo (the TUI) rather than counts
    ask_for_new: bool = False  # a new folder: the caller asks for the counts (the TUI's form)
