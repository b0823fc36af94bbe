"""A real audio and MIDI server for tests: JACK's dummy backend (Debian's jackd2), which keeps
time like a sound card without one. PortAudio (sounddevice) and python-rtmidi both talk to it,
so audio streams and MIDI ports are opened for real, on machines with no sound device (CI).

Use the `jack_server` fixture; it skips, saying why, when jackd, PortAudio or the Python
packages are missing. Each server gets its own name (JACK_DEFAULT_SERVER), so tests never meet
a performer's own JACK server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

RATE = 48000
PERIOD = 256
START_TIMEOUT = 10.0  # seconds for jackd to come up


@dataclass
class JackServer:
    name: str
    process: subprocess.Popen[bytes]
    rate: int = RATE


def _refresh_portaudio() -> None:
    """PortAudio lists devices once, when it starts: restart it so it sees the new server."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


def _jack_device() -> int | None:
    import sounddevice as sd

    for api in sd.query_hostapis():
        if "JACK" in api["name"] and api["devices"]:
            return int(api["default_output_device"])
    return None


@pytest.fixture
def jack_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[JackServer]:
    """A JACK server on the dummy backend, the default for this test's audio and MIDI."""
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed (Debian: apt-get install jackd2)")
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError) as e:
        pytest.skip(f"sounddevice cannot load PortAudio: {e} (the audio extra, libportaudio2)")
    name = f"mapper-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1", "JACK_NO_START_SERVER": "1"}
    process = subprocess.Popen(
        ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", str(RATE), "-p", str(PERIOD)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # bounded: until PortAudio sees the server, or the deadline
            if process.poll() is not None:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                pytest.skip(f"jackd could not start: {err.strip()[-300:]}")
            _refresh_portaudio()
            if _jack_device() is not None:
                break
            if time.monotonic() > deadline:
                pytest.skip(f"jackd did not come up within {START_TIMEOUT} s")
            time.sleep(0.2)
        yield JackServer(name, process)
    finally:
        import sounddevice as sd

        sd._terminate()  # before the server goes: PortAudio's JACK host aborts without it
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        monkeypatch.undo()
        sd._initialize()


def jack_output_device() -> int:
    """The JACK host API's output device (PortAudio's index), while `jack_server` runs."""
    device = _jack_device()
    assert device is not None, "no JACK output device: is the jack_server fixture running?"
    return device
