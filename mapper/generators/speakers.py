"""The speakers: the one way every sound of gesture-mapper reaches the default audio output
(the built-in synth, the drum synth, a neural audio model), through sounddevice (the `audio`
extra) and PortAudio (a system library: libportaudio2 on Debian).

Nothing here touches PortAudio at import: sounddevice is imported when a stream opens or a
device is asked for, so a machine without PortAudio imports gesture-mapper as any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from mapper.c_stderr import held
from mapper.generators.base import AUDIO_EXTRA_MISSING, GeneratorError

log = logging.getLogger("mapper.audio")
PORTAUDIO_MISSING = "PortAudio is missing ({}): install it (Debian: apt-get install libportaudio2)"

# how to hear the outputs without speakers here: an instrument of examples/ on Wekinator's port
INSTRUMENTS_PORT = 12000
HOW_TO_HEAR = (
    "to hear the outputs, start pd examples/instruments/fm-synth.pd (or fm-synth.ck with chuck, "
    "fm-synth.scd with sclang; the drums: drum-kit.pd): they listen on port 12000"
)

Fill = Callable[[np.ndarray, int], None]  # (outdata (frames, channels) float32, frames)


def sounddevice() -> Any:
    """The sounddevice module; GeneratorError naming what to install when it cannot load."""
    try:
        with held(log, "starting PortAudio"):  # ALSA lists its devices aloud
            import sounddevice as sd
    except ImportError:
        raise GeneratorError(AUDIO_EXTRA_MISSING) from None
    except OSError as e:  # the PortAudio library itself is missing
        raise GeneratorError(PORTAUDIO_MISSING.format(e)) from e
    return sd


def no_speakers() -> str | None:
    """Why nothing can play through the speakers here (no audio extra, no PortAudio, no
    output device), or None when there is a default output device."""
    try:
        sd = sounddevice()
    except GeneratorError as e:
        return str(e)
    try:
        with held(log, "looking for the audio output"):
            sd.query_devices(kind="output")
    except Exception as e:  # sounddevice.PortAudioError: no default output device
        log.info("no default output device: %s", e)  # PortAudio's words, for the curious
        return "no sound device here"
    return None


class Speakers:
    """An output stream on the default device: `fill(outdata, frames)` writes every block, on
    PortAudio's thread (it must return at once: never wait on a lock the hot path holds).

    A device that refuses `rate` (JACK runs at its server's rate only) is opened at its own
    rate instead, the sound resampled on the way (Resampler): `device_rate` says which."""

    def __init__(self, fill: Fill, rate: int, channels: int, block: int) -> None:
        with held(log, "opening the audio output"):
            self._open(fill, rate, channels, block)

    def _open(self, fill: Fill, rate: int, channels: int, block: int) -> None:
        sd = sounddevice()
        self.rate, self.channels, self.device_rate = rate, channels, rate
        try:
            self.stream = _open(sd, fill, rate, channels, block)
        except Exception as e:  # sounddevice.PortAudioError: no device, rate not supported
            own = _device_rate(sd)
            if own is None or own == rate:
                raise GeneratorError(f"cannot open the audio output: {e}") from e
            try:
                self.stream = _open(sd, Resampler(fill, rate, own, channels), own, channels, block)
            except Exception as e2:
                raise GeneratorError(f"cannot open the audio output: {e2}") from e2
            self.device_rate = own

    @property
    def active(self) -> bool:
        return bool(self.stream.active)

    def start(self) -> None:
        if not self.stream.active:
            try:
                with held(log, "starting the audio output"):
                    self.stream.start()
            except Exception as e:  # a device that went away, a busy device
                raise GeneratorError(f"cannot start the audio output: {e}") from e

    def start_or_close(self) -> None:
        """start(); when it fails (a device that opens but will not play), the stream is
        closed before the error is raised: no stream is left open."""
        try:
            self.start()
        except BaseException:
            try:
                self.close()
            except Exception as e:  # the error that matters is the start's
                log.warning("closing the audio output that would not start: %s", e)
            raise

    def stop(self) -> None:
        if self.stream.active:
            self.stream.stop()

    def close(self) -> None:
        """Stop and close the stream; closed even when stopping fails (a device gone), whose
        error is raised after."""
        try:
            self.stream.stop()
        finally:
            self.stream.close()


def _open(sd: Any, fill: Fill, rate: int, channels: int, block: int) -> Any:
    def callback(outdata: Any, frames: int, time: Any, status: Any) -> None:
        fill(outdata, frames)

    return sd.OutputStream(
        samplerate=rate, channels=channels, dtype="float32", blocksize=block, callback=callback
    )


def _device_rate(sd: Any) -> int | None:
    """The default output device's own sample rate, or None when there is no such device."""
    try:
        return int(sd.query_devices(kind="output")["default_samplerate"])
    except Exception:  # no default output device
        return None


class Resampler:
    """A Fill at `rate` heard at `device_rate`: asks `fill` for the frames it needs at its own
    rate and interpolates between them (linear: plenty for a synth, a drum kit or a model
    played on a device that will not take their rate)."""

    def __init__(self, fill: Fill, rate: int, device_rate: int, channels: int) -> None:
        self.fill = fill
        self.step = rate / device_rate  # source frames per device frame
        self.channels = channels
        self._buffer = np.zeros((1, channels), np.float32)  # source frames from _buffer[0] on
        self._position = 0.0  # where the next device frame falls in _buffer

    def __call__(self, outdata: np.ndarray, frames: int) -> None:
        t = self._position + self.step * np.arange(frames)
        need = int(t[-1]) + 2 - len(self._buffer)
        if need > 0:
            fresh = np.zeros((need, self.channels), np.float32)
            self.fill(fresh, need)
            self._buffer = np.concatenate([self._buffer, fresh])
        i = t.astype(np.int64)
        frac = (t - i)[:, None].astype(np.float32)
        outdata[:] = self._buffer[i] * (1.0 - frac) + self._buffer[i + 1] * frac
        following = self._position + self.step * frames
        drop = int(following)
        self._buffer = self._buffer[drop:]
        self._position = following - drop
