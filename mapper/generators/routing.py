"""Where a generator plays, as the command line asked (--audio, --record-audio FILE.wav,
--midi [PORT], --device), kept for the whole run.

The first project's generator gets these sinks when it is attached; so does the generator of
every project opened later in the same run (OSC's load and runNewProject, the TUI's ctrl+o),
since the speakers, the MIDI port and the recording belong to the performance, not to a
project. A recording cannot go on in the same file (the next model may play at another
sample rate or channel count, and a WAV file has one), so each later neural audio model
records into the next free name beside the first: take.wav, then take-2.wav, take-3.wav;
and a file that exists already is never overwritten (the first take goes to the next free name).
Sinks that do not fit the generator (MIDI for a neural model, a WAV file for the drum model)
are skipped with a line that says so. With --audio and no generator, the built-in synth plays
the outputs themselves on the speakers (play_outputs), until a project with a generator takes
the speakers over (follow) or the run ends (close); a project without a generator opened later
in a run that plays on the speakers has the built-in synth play its outputs (follow_outputs).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mapper.core.engine import Engine
from mapper.errors import GeneratorError
from mapper.generators.player import AudioPlayer, Player, Recording, StepPlayer

if TYPE_CHECKING:
    from mapper.generators.synth import OutputSynth

log = logging.getLogger("mapper.generators")
MAX_TAKES = 10_000


class Routing:
    """The command line's sinks; `apply(player)` adds them to a player just attached."""

    def __init__(
        self,
        audio: bool | None = False,
        record_audio: str | None = None,
        midi: str | None = None,
        device: str | None = "auto",
    ) -> None:
        self.audio = bool(audio)  # None (no --audio / --no-audio) is off here
        self.record_audio = record_audio
        self.midi = midi
        self.device = device  # where later projects' models decode too
        self.recorders: list[Recording] = []  # every WAV recorder of this run, in order
        self.news: list[str] = []  # the lines of the latest follow, until taken
        self.synth: OutputSynth | None = None  # the built-in synth playing the outputs, if any
        self._news_lock = threading.Lock()  # follow runs on a switch's thread

    def apply(self, player: Player) -> list[str]:
        """Add the sinks to this player (not started yet); returns the lines that say where it
        plays. GeneratorError (or OSError) if a device or file cannot be opened."""
        if player.audio is not None:
            return self._audio(player.audio)
        if player.steps is not None:
            return self._steps(player.steps)
        return []

    def play_outputs(self, engine_of: Callable[[], Engine]) -> list[str]:
        """The built-in synth on the speakers, playing the outputs of `engine_of()` (the
        session's engine, whichever project is open). GeneratorError if it cannot open."""
        from mapper.generators.synth import OutputSynth

        synth = OutputSynth(engine_of)
        synth.open()
        self.close()
        self.synth = synth
        self.audio = True  # a project with a generator opened later plays there instead
        return [synth.describe()]

    def close(self) -> None:
        """Stop the built-in synth, if it plays (the end of the run)."""
        synth, self.synth = self.synth, None
        if synth is not None:
            synth.close()

    def follow(self, player: Player) -> None:
        """apply() for the generator of a project opened later: its lines become the news
        (take_news); a sink that cannot open is news too (the generator plays on without it).
        The built-in synth stops: the generator has the speakers now."""
        self.close()
        self._news(lambda: self.apply(player), "the generator plays, but not everywhere asked")

    def follow_outputs(self, engine_of: Callable[[], Engine]) -> None:
        """follow() for a project opened later without a generator: when this run plays on
        the speakers (--audio, or the built-in synth played already), the built-in synth
        plays the outputs of `engine_of()` there again, a generator's having taken them
        over meanwhile; its line, or why it cannot play, becomes the news. A synth that
        plays already plays on (it follows `engine_of()`)."""
        if not self.audio or self.synth is not None:
            return
        self._news(lambda: self.play_outputs(engine_of), "the built-in synth cannot play")

    def _news(self, play: Callable[[], list[str]], failed: str) -> None:
        """What `play()` says, or `failed: why` (logged too), as the news (take_news)."""
        try:
            lines = play()
        except (GeneratorError, OSError) as e:
            log.warning("%s: %s", failed, e)
            lines = [f"{failed}: {e}"]
        with self._news_lock:
            self.news = lines

    def take_news(self) -> list[str]:
        """The lines of the latest follow(), once."""
        with self._news_lock:
            news, self.news = self.news, []
        return news

    def _audio(self, player: AudioPlayer) -> list[str]:
        rate = player.sample_rate
        lines = []
        if self.midi:
            lines.append(f"--midi {self.midi}: MIDI is for the drum model; not for this one")
        if self.record_audio:  # first: speakers that fail to open must not cost the take
            path = self._next_take()
            self.recorders.append(player.record_to(path))
            lines.append(f"recording what plays to {path} (16-bit WAV, {rate} Hz)")
        if self.audio:
            player.play_to_speakers()
            lines.append(f"sound on the default audio output at {rate} Hz")
        if not self.audio and not self.record_audio:
            lines.append(
                "nothing hears it: add --audio (the speakers) or --record-audio FILE.wav; it "
                "decodes on a silent clock meanwhile"
            )
        return lines

    def _steps(self, player: StepPlayer) -> list[str]:
        lines = []
        if self.midi:
            from mapper.generators.rhythm.sinks.midi import MidiRhythmSink, open_midi_port

            player.add_sink(MidiRhythmSink.for_port(open_midi_port(self.midi)))
            lines.append(f"MIDI notes on channel 10 of port {self.midi!r}")
        if self.audio:
            from mapper.generators.rhythm.sinks.audio import AudioRhythmSink

            player.add_sink(AudioRhythmSink.open())
            lines.append("sound from the built-in drum synth on the default audio output")
        if self.record_audio:
            lines.append(
                f"--record-audio {self.record_audio}: the drum model plays no audio blocks; "
                "nothing is recorded while it plays"
            )
        return lines

    def _next_take(self) -> Path:
        """The file asked for, unless it exists (last night's take is never overwritten) or
        this run recorded into it already: then the next free name beside it."""
        path = Path(str(self.record_audio))
        if not self.recorders and not path.exists():
            return path
        for n in range(2, MAX_TAKES):
            take = path.with_name(f"{path.stem}-{n}{path.suffix}")
            if not take.exists():
                return take
        raise GeneratorError(f"--record-audio {path}: no free name left beside it")
