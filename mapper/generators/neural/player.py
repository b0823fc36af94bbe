"""A neural audio model steered by a running engine's outputs: a Player
(mapper.generators.player) with audio, no tempo and no steps.

    player = session.attach_player({"type": "torchscript", "path": "model.ts", "steer": 8})
    player.generator      # the NeuralGenerator: .path, .sample_rate, .ratio, .channels,
                          # .latent_size, .device, .methods (get_methods()), .describe()
    player.latent         # the latent vector being decoded now (from the outputs), float64
    player.latent_dims    # names (latent-1..) and ranges (-2..2) of every latent dimension
    player.outputs        # which output (0-based) drives each latent dimension; None: held at 0
    player.steer          # how many latent dimensions the outputs steer (the first ones)
    player.playing, player.start(), player.stop(), player.close()
    player.stats          # StreamStats: underruns, blocks, real_time_factor (audio s per
                          # compute s over the last 64 blocks: real_time.py), block_ms,
                          # block_budget_ms, queue, ahead, sample_rate, channels, device, error
    player.sinks          # where the audio goes: ["speakers"] or ["clock"], then "FILE.wav"s
    player.play_to_speakers()   # sound on the default output (GeneratorError without the
                                # audio extra or a device); before or while playing
    player.record_to(path)      # also write what plays to a 16-bit WAV file (closed by close())
    player.controls()     # OSC: /mapper/neural/start, /mapper/neural/stop, /mapper/neural/status

The decode thread reads the latent once per block (not once per input frame), so the hot path
never waits on the model: the outputs reach the latent through LatentFromOutputs, as for the
drum model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mapper.core.engine import Engine
from mapper.generators.base import GeneratorError
from mapper.generators.controls import MessageSender, no_args
from mapper.generators.latent import LatentFromOutputs, Steered, output_numbers, steering
from mapper.generators.neural.model import (
    LATENT_RANGE,
    NeuralGenerator,
    load_model,
    resolve_model_path,
)
from mapper.generators.neural.sound_out import ClockOutput, SpeakerOutput, WavRecorder
from mapper.generators.neural.streamer import Streamer, StreamStats, check_ahead
from mapper.generators.player import AudioPlayer, StepPlayer, Tempo

log = logging.getLogger("mapper.neural")

NEURAL = "/mapper/neural/"
STATUS_REPLY = "/mapper/neural/status"
DEFAULT_STEER = 8  # the first 8 latent dimensions, as in Vigliensoni & Fiebrink (ICCC 2023)


def default_steer(latent_size: int) -> int:
    """How many latent dimensions a new project steers: the first 8 (PCA-ordered: they carry
    most of the variation), or all when there are fewer."""
    return min(latent_size, DEFAULT_STEER)


class NeuralPlayer(Steered):
    """A NeuralGenerator decoded block by block at the latent point the outputs name."""

    generator: NeuralGenerator

    def __init__(
        self,
        generator: NeuralGenerator,
        engine: Engine,
        outputs: Sequence[int | None] | None = None,
        steer: int | None = None,
        ahead: int | None = None,  # None: AHEAD_SECONDS of audio (streamer.default_ahead)
        sender: MessageSender | None = None,
        spec: dict[str, Any] | None = None,
    ) -> None:
        self.generator = generator
        self.tempo: Tempo | None = None
        self.steps: StepPlayer | None = None
        self.audio: AudioPlayer | None = self
        self._spec = dict(spec or {"type": "torchscript", "path": str(generator.path)})
        dims = generator.latent_dims
        if outputs is None:
            n = default_steer(len(dims)) if steer is None else steer
            outputs = [j if j < n and j < engine.n_outputs else None for j in range(len(dims))]
        self.source = LatentFromOutputs(engine, dims, outputs)
        self.streamer = Streamer(
            generator.decode,
            self.source,
            generator.channels,
            generator.ratio,
            generator.sample_rate,
            ahead,
            generator.device,
        )
        self._sender = sender
        self._output: ClockOutput | SpeakerOutput = ClockOutput(self.streamer)
        self.recorders: list[WavRecorder] = []
        self._control: ThreadPoolExecutor | None = None  # OSC's start and stop, in order
        self._control_lock = threading.Lock()
        self._wanted: tuple[str, Callable[[], None]] | None = None  # the latest start or stop

    # ---- what a display shows --------------------------------------------------------------
    def describe(self, output_names: Sequence[str], send: str) -> list[str]:
        """What plays, how it is steered and how far ahead it decodes."""
        gen = self.generator
        threads = f" ({gen.threads} thread{'s' if gen.threads != 1 else ''})" if gen.threads else ""
        ahead = self.streamer.ahead
        steered = steering(self.latent_dims, self.outputs, output_names, compact=True)
        return [
            f"torchscript {gen.describe()}{threads}",
            f"steering {self.steer} of {gen.latent_size} latent dimensions: {steered}",
            f"{ahead} blocks decoded ahead ({1000 * ahead * gen.block_seconds:.0f} ms); "
            "/mapper/neural/status answers playing, underruns, blocks, real-time factor",
        ]

    def settings(self) -> dict[str, Any]:
        """What the project saves: the settings it was opened with, with how many dimensions
        it steers (unless they name their outputs one by one)."""
        if "outputs" in self._spec:
            return dict(self._spec)
        return {**self._spec, "steer": self.steer}

    @property
    def steer(self) -> int:
        return sum(j is not None for j in self.source.outputs)

    @property
    def playing(self) -> bool:
        return self.streamer.playing

    @property
    def stats(self) -> StreamStats:
        return self.streamer.stats()

    @property
    def sample_rate(self) -> int:
        return self.generator.sample_rate

    @property
    def sinks(self) -> list[str]:
        return [self._output.name, *(str(r.path) for r in self.recorders)]

    # ---- what a display, headless mode and OSC change ---------------------------------------
    def start(self) -> None:
        self.streamer.start()
        self._output.start()

    def stop(self) -> None:
        self._output.stop()
        self.streamer.stop()

    def play_to_speakers(self) -> None:
        """Sound on the default audio output from now on (instead of the silent clock)."""
        if isinstance(self._output, SpeakerOutput):
            return
        speakers = SpeakerOutput(self.streamer)
        self._output.close()
        self._output = speakers
        if self.streamer.playing:
            speakers.start()

    def record_to(self, path: Path) -> WavRecorder:
        """Also write everything played to a WAV file at the model's rate and channels."""
        recorder = WavRecorder(Path(path), self.generator.sample_rate, self.generator.channels)
        self.recorders.append(recorder)
        self.streamer.taps.append(recorder)
        return recorder

    def close(self) -> None:
        with self._control_lock:
            control, self._control = self._control, None
        if control is not None:
            control.shutdown(wait=True, cancel_futures=True)
        self.stop()
        self.source.detach()
        self._output.close()
        for recorder in self.recorders:
            recorder.close()

    def status_values(self) -> list[Any]:
        """/mapper/neural/status's arguments (see controls)."""
        s = self.stats
        return [
            int(s.playing),
            s.underruns,
            s.blocks,
            float(s.real_time_factor),
            s.queue,
            s.sample_rate,
        ]

    def controls(self) -> dict[str, Callable[[Sequence[Any]], None]]:
        """OSC control addresses to merge into the server's table.

        /mapper/neural/start, /mapper/neural/stop; /mapper/neural/status answers
        /mapper/neural/status playing(0/1) underruns blocks real-time-factor queue sample-rate
        (tags iiifii) to the send target.
        """

        def status() -> None:
            if self._sender is not None:
                self._sender.send_message(STATUS_REPLY, self.status_values(), "iiifii")

        # start and stop wait for threads and the audio device: never on the receive thread
        return {
            NEURAL + "start": no_args("start", lambda: self._in_background("start", self.start)),
            NEURAL + "stop": no_args("stop", lambda: self._in_background("stop", self.stop)),
            NEURAL + "status": no_args("status", status),
        }

    def _in_background(self, name: str, action: Callable[[], None]) -> None:
        """Run a start or stop on the player's own thread. Only the latest request waits: a
        flood of them is one start or stop, never a queue that grows with every message."""
        with self._control_lock:
            idle = self._wanted is None
            self._wanted = (name, action)
            if self._control is None:
                self._control = ThreadPoolExecutor(1, thread_name_prefix="mapper-neural-control")
            if idle:
                self._control.submit(self._do_wanted)

    def _do_wanted(self) -> None:
        while True:
            with self._control_lock:
                wanted, self._wanted = self._wanted, None
            if wanted is None:
                return
            self._logged(*wanted)

    @staticmethod
    def _logged(name: str, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as e:  # a sound card or model refusing: said, never a dead thread
            log.warning("/mapper/neural/%s: %s", name, e)


def spec_path(path: str | Path, folder: Path | None) -> str:
    """How a project saves a model path: relative to its folder when inside it, else absolute;
    the model mapper ships by its name, so the project opens wherever mapper is installed."""
    from mapper.generators.sound.options import SHIPPED, SHIPPED_NAME

    p = Path(path).expanduser().resolve()
    if p == SHIPPED.resolve() or str(path) == SHIPPED_NAME:
        return SHIPPED_NAME
    if folder is not None:
        try:
            return p.relative_to(Path(folder).expanduser().resolve()).as_posix()
        except ValueError:
            pass
    return str(p)


def open_neural_player(
    spec: dict[str, Any],
    engine: Engine,
    folder: Path | None,
    device: str | None = "auto",
    sender: MessageSender | None = None,
) -> NeuralPlayer:
    """A player for a project's settings {"type": "torchscript", "path": ..., "steer": N, ...}
    (optional: "outputs", "ahead", "range", "threads"); GeneratorError says what is wrong."""
    generator = load_from_spec(spec, folder, device)
    steer = _whole(spec, "steer", None)
    if steer is not None and not 1 <= steer <= generator.latent_size:
        raise GeneratorError(
            f"steer {steer}: this model has {generator.latent_size} latent dimensions"
        )
    try:
        ahead = spec.get("ahead")
        ahead = None if ahead is None else check_ahead(ahead)
    except ValueError as e:
        raise GeneratorError(f"generator 'ahead': {e}") from None
    outputs = output_numbers(spec, engine.n_outputs, generator.latent_size)
    return NeuralPlayer(generator, engine, outputs, steer, ahead, sender, spec)


def load_from_spec(
    spec: dict[str, Any], folder: Path | None, device: str | None = "auto"
) -> NeuralGenerator:
    """The model a project's settings name ("path", and "range", "threads" if given)."""
    path = spec.get("path")
    if not isinstance(path, str) or not path:
        raise GeneratorError("a torchscript generator needs 'path', the model's .ts file")
    return load_model(
        resolve_model_path(path, folder),
        device,
        _number(spec, "range", LATENT_RANGE),
        _whole(spec, "threads", None),
    )


def _whole(spec: dict[str, Any], key: str, default: int | None) -> int | None:
    value = spec.get(key, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise GeneratorError(f"generator '{key}' must be a whole number from 1, not {value!r}")
    return value


def _number(spec: dict[str, Any], key: str, default: float) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise GeneratorError(f"generator '{key}' must be a number above 0, not {value!r}")
    return float(value)
