"""MIDI in as a live source: a controller's CCs, notes and pitch bend, through mido's rtmidi
back end (the `midi` extra, python-rtmidi).

`midi` opens the first input port (not ALSA's "Midi Through", not gesture-mapper's own ports);
with none, it makes a virtual input port, "gesture-mapper", for a DAW or controller software to
connect to. `midi:NAME` opens the port whose name contains NAME (case-insensitive; an exact
name wins). The MIDI system is mido's: MIDO_BACKEND (read at each open) may name the rtmidi API,
e.g. `mido.backends.rtmidi/UNIX_JACK`.

The driver's thread (JACK's process thread, ALSA's reader) only parses and queues each message
(a bounded queue: beyond it messages are counted and dropped); our own thread hands them to
`offer`, so a slow receiver never stalls the MIDI driver.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import queue
import threading
from typing import Any

from mapper.errors import SourceError, shown
from mapper.extras import needs
from mapper.sources.live import Offer

log = logging.getLogger("mapper.sources")

CLIENT = "gesture-mapper"  # the virtual port's (and its client's) name
DEFAULT_BACKEND = "mido.backends.rtmidi"
MISSING = needs("midi")
QUEUE_LIMIT = 4096  # messages waiting for `offer`; a flood beyond it is dropped, counted
PORTS_SHOWN = 6  # port names an error lists
JOIN_TIMEOUT = 0.5  # seconds close() waits for the delivery thread
WAKE = 0.1  # seconds between the delivery thread's looks at whether it is closed

Message = tuple[str, str, tuple[object, ...]]


def midi_message(msg: Any) -> Message | None:
    """The offer for one mido message, or None for kinds that are not inputs (clock, sysex...).

    CC and note values are 0..1 (value/127, velocity/127; a note-off or a note-on of velocity 0
    is 0.0); pitch bend is -1..1. Channel 1 has no channel in the address."""
    kind = msg.type
    if kind not in ("control_change", "note_on", "note_off", "pitchwheel"):
        return None
    prefix = "/midi" if msg.channel == 0 else f"/midi/{msg.channel + 1}"
    if kind == "control_change":
        return f"{prefix}/cc/{msg.control}", "f", (msg.value / 127.0,)
    if kind == "note_on":
        return f"{prefix}/note/{msg.note}", "f", (msg.velocity / 127.0,)
    if kind == "note_off":
        return f"{prefix}/note/{msg.note}", "f", (0.0,)
    pitch = msg.pitch  # -8192..8191, 0 at rest
    return f"{prefix}/bend", "f", (pitch / 8192.0 if pitch < 0 else pitch / 8191.0,)


def port_list(names: list[str]) -> str:
    """The ports there are, for an error message: a few, each cut short, and how many more."""
    if not names:
        return "there are no MIDI input ports"
    shown_names = ", ".join(shown(n) for n in names[:PORTS_SHOWN])
    more = f" and {len(names) - PORTS_SHOWN} more" if len(names) > PORTS_SHOWN else ""
    return f"the MIDI input ports are {shown_names}{more}"


def _backend() -> Any:
    """mido's back end as MIDO_BACKEND names it now (rtmidi by default), loaded."""
    spec = os.environ.get("MIDO_BACKEND") or DEFAULT_BACKEND
    try:
        import mido

        if spec.split("/", 1)[0] == DEFAULT_BACKEND:
            importlib.import_module("rtmidi")  # the extra; mido itself imports without it
        return mido.Backend(spec, load=True)
    except (ImportError, OSError):
        raise SourceError(MISSING) from None


def _driver_error(what: str, e: BaseException) -> SourceError:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return SourceError(f"{what}: {shown(text, 120)}")


def _pick_port(names: list[str], want: str | None) -> str | None:
    """The port to open: by name part, or the first that is a device; None: make a virtual one."""
    if want is None:
        devices = [n for n in names if "midi through" not in n.casefold()]
        devices = [n for n in devices if CLIENT not in n.casefold()]  # our own (rhythm out...)
        return devices[0] if devices else None
    key = want.casefold()
    exact = [n for n in names if n.casefold() == key]
    found = exact or [n for n in names if key in n.casefold()]
    if not found:
        raise SourceError(f"no MIDI input port matches {shown(want)}: {port_list(names)}")
    return found[0]


class MidiSource:
    """An open MIDI input port whose messages reach `offer` from the thread "mapper-midi"."""

    def __init__(self, offer: Offer, name: str | None, backend: Any) -> None:
        self._offer = offer
        self._queue: queue.Queue[Message | None] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._lock = threading.Lock()
        self._closed = False
        self.dropped = 0  # messages lost to a full queue
        self.failed = 0  # offers that raised
        self.virtual = name is None
        try:
            if name is None:
                self._port = backend.open_input(
                    CLIENT, virtual=True, client_name=CLIENT, callback=self._on_midi
                )
            else:
                self._port = backend.open_input(name, callback=self._on_midi)
        except (ImportError, OSError):
            raise SourceError(MISSING) from None
        except NotImplementedError as e:  # Windows' MIDI has no virtual ports
            raise SourceError(
                "no MIDI input port, and this system cannot make a virtual one: connect a "
                "controller (or a loopback driver such as loopMIDI) and try again"
            ) from e
        except Exception as e:  # the driver's own errors (rtmidi's are not OSErrors)
            what = "cannot make the virtual MIDI port" if name is None else "cannot open MIDI"
            raise _driver_error(f"{what} {shown(name or CLIENT)}", e) from e
        self.port_name: str = self._port.name
        self._thread = threading.Thread(target=self._deliver, name="mapper-midi", daemon=True)
        self._thread.start()

    def _on_midi(self, msg: Any) -> None:
        """The driver's thread: parse and queue, never wait."""
        item = midi_message(msg)
        if item is None or self._closed:
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def _deliver(self) -> None:
        while not self._closed:  # bounded in time: each wait is short, and close() ends it
            try:
                item = self._queue.get(timeout=WAKE)
            except queue.Empty:
                continue
            if item is None or self._closed:  # None: close() wakes the thread
                return
            address, tags, args = item
            try:
                self._offer(address, tags, args)
            except Exception as e:  # the receiver's fault: say so once, keep the port open
                self.failed += 1
                if self.failed == 1:
                    log.warning("MIDI input: a message could not be taken in: %s", e)

    def describe(self) -> str:
        if self.virtual:
            return (
                f"MIDI in on the virtual port {self.port_name!r} (no MIDI input was found: "
                "connect a controller or a DAW's output to it)"
            )
        return f"MIDI in from {self.port_name!r}"

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._port.close()  # the driver stops calling back before this returns
        except Exception as e:  # closing must not fail the caller: the port is gone either way
            log.warning("MIDI input: closing %r: %s", self.port_name, e)
        with contextlib.suppress(queue.Full):  # full: the thread sees _closed within WAKE
            self._queue.put_nowait(None)
        self._thread.join(JOIN_TIMEOUT)


def input_port_names() -> list[str]:
    """The MIDI input ports there are now (for help texts and a picker)."""
    backend = _backend()
    try:
        return list(backend.get_input_names())
    except Exception as e:  # rtmidi's errors: no MIDI system, an API not compiled in
        raise _driver_error("cannot reach the MIDI system", e) from e


def open_midi(arg: str | None, offer: Offer) -> MidiSource:
    """`midi` (arg None or empty): the first input port, else a virtual one; `midi:NAME`: the
    port whose name contains NAME."""
    backend = _backend()
    try:
        names = list(backend.get_input_names())
    except ValueError as e:  # mido: an API the environment names that rtmidi lacks
        raise SourceError(f"MIDO_BACKEND {shown(os.environ.get('MIDO_BACKEND'))}: {e}") from e
    except Exception as e:
        raise _driver_error("cannot reach the MIDI system", e) from e
    return MidiSource(offer, _pick_port(names, arg or None), backend)
