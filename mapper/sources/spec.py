"""Which source a project listens to (`--source NAME`, saved in project.json as `source`): a
preset's name, its argument (`midi:PORT`), and the messages when they were learned from what
was heard rather than the preset's own. Pure data: no sockets, no devices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mapper.core.outputs import name_problem
from mapper.errors import UsageError
from mapper.sources.presets import CHOICES, LEARNED, PRESETS, SOURCE_NAMES, SourceMessage

MAX_MESSAGES = 64  # a learned source: messages at most (the heard list keeps 32)
MAX_ARGS = 64  # values of one message that may be inputs
MAX_TEXT = 255  # an address, a port name


@dataclass(frozen=True)
class Slot:
    """Argument `arg` of the messages matching `pattern` is input `index`."""

    pattern: str
    arg: int
    index: int


@dataclass(frozen=True)
class SourceSpec:
    """A source: `name` (a preset, or `learned`), `arg` (midi:PORT), and `learned` messages
    that replace the preset's (taken from the heard list); None: the preset's own."""

    name: str
    arg: str | None = None
    learned: tuple[SourceMessage, ...] | None = None

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """`--source NAME[:ARG]`; UsageError naming the choices for anything else."""
        name, sep, arg = text.strip().partition(":")
        if name not in PRESETS:
            raise UsageError(f"--source {text}: give {CHOICES}")
        if sep and not PRESETS[name].live:
            raise UsageError(f"--source {text}: {name} takes no ':' part")
        if sep and not arg.strip():
            raise UsageError(f"--source {text}: give a port after ':' (or leave ':' out)")
        return cls(name, arg.strip() if sep else None)

    @property
    def messages(self) -> tuple[SourceMessage, ...]:
        if self.learned is not None:
            return self.learned
        preset = PRESETS.get(self.name)
        return preset.messages if preset is not None else ()

    @property
    def live(self) -> bool:
        """Read on this machine (a MIDI port, a gamepad), not received over OSC."""
        preset = PRESETS.get(self.name)
        return preset is not None and preset.live

    @property
    def phone(self) -> bool:
        """Sent from another device over the network (the listening address must reach it)."""
        preset = PRESETS.get(self.name)
        return preset is not None and preset.phone

    def input_names(self) -> list[str]:
        """The inputs this source fills, in order (a name fed by two patterns counts once)."""
        names: list[str] = []
        for message in self.messages:
            names += [n for n in message.names if n is not None and n not in names]
        return names

    def slots(self) -> list[Slot]:
        index = {name: k for k, name in enumerate(self.input_names())}
        return [
            Slot(m.pattern, arg, index[name])
            for m in self.messages
            for arg, name in enumerate(m.names)
            if name is not None
        ]

    def label(self) -> str:
        """`gyrosc`, `midi:nanoKONTROL2`, `gyrosc (learned)`."""
        text = self.name + (f":{self.arg}" if self.arg else "")
        return text + (" (learned)" if self.learned is not None and self.name != LEARNED else "")

    def describe(self) -> str:
        """What it listens for: `/gyrosc/gyro (pitch roll yaw), /gyrosc/accel (...)`."""
        seen: dict[tuple[str | None, ...], str] = {}  # the first pattern of the same names
        for m in self.messages:
            seen.setdefault(m.names, f"{m.pattern} ({' '.join(n or '-' for n in m.names)})")
        return ", ".join(seen.values())

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": self.name}
        if self.arg is not None:
            doc["port"] = self.arg
        if self.learned is not None:
            doc["messages"] = [{"address": m.pattern, "names": list(m.names)} for m in self.learned]
        return doc

    @classmethod
    def from_doc(cls, doc: Any) -> SourceSpec:
        """project.json's `source`; ValueError saying which field is wrong."""
        if not isinstance(doc, dict):
            raise ValueError('must be an object such as {"type": "gyrosc"}')
        unknown = set(doc) - {"type", "port", "messages"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0][:40]!r}: unknown field (type, port, messages)")
        name = doc.get("type")
        if name not in SOURCE_NAMES:
            raise ValueError(f"type: {str(name)[:40]!r} is not one of {', '.join(SOURCE_NAMES)}")
        arg = doc.get("port")
        if arg is not None and (
            not isinstance(arg, str) or not arg or len(arg) > MAX_TEXT or not arg.isprintable()
        ):  # shown on screen and in the ready line: one line of visible text
            raise ValueError("port: must be a port name (one line of visible text)")
        messages = doc.get("messages")
        if messages is None:
            if name == LEARNED:
                raise ValueError("messages: a learned source lists its messages")
            return cls(name, arg)
        return cls(name, arg, _messages(messages))


def _messages(messages: Any) -> tuple[SourceMessage, ...]:
    if not isinstance(messages, list) or not 0 < len(messages) <= MAX_MESSAGES:
        raise ValueError(f"messages: must list 1..{MAX_MESSAGES} messages")
    out = []
    for k, m in enumerate(messages):
        at = f"messages[{k}]"
        if not isinstance(m, dict) or set(m) != {"address", "names"}:
            raise ValueError(f"{at}: must be an object with address and names")
        address, names = m["address"], m["names"]
        if (
            not isinstance(address, str)
            or not address.startswith("/")
            or len(address) > MAX_TEXT
            or not address.isprintable()  # shown as it is (describe()): no terminal escapes
        ):
            raise ValueError(f"{at}.address: must be an OSC address such as /gyrosc/gyro")
        if not isinstance(names, list) or not 0 < len(names) <= MAX_ARGS:
            raise ValueError(f"{at}.names: must list 1..{MAX_ARGS} input names (null: skipped)")
        if not all(n is None or isinstance(n, str) for n in names):
            raise ValueError(f"{at}.names: each is an input's name or null")
        for j, n in enumerate(names):  # as the project's input names are checked
            problem = n is not None and name_problem(n, f"{at}.names[{j}]")
            if problem:
                raise ValueError(problem)
        out.append(SourceMessage(address, tuple(names)))
    if not any(n for m in out for n in m.names):
        raise ValueError("messages: no input is named")
    return tuple(out)
