"""Every error gesture-mapper raises for the user: one root, `MapperError`, and one kind each.

The message is for a musician: one line that says what is wrong and what to do. Callers that
only need to report catch `MapperError`; the kinds let a command choose its exit status.
"""

from __future__ import annotations


class MapperError(Exception):
    """Something asked of gesture-mapper that cannot be done; the message says why."""


class UsageError(MapperError):
    """A command line that cannot work; the message says how to fix it."""


class ProjectError(MapperError):
    """A project folder or file that cannot be read or written as asked."""


class CannotListen(MapperError):
    """The listening port is taken or cannot be bound (another mapper, Wekinator, ...)."""


class EngineError(MapperError, ValueError):
    """A control request that cannot be carried out (from OSC, the TUI or a script)."""


class ModelError(MapperError, ValueError):
    """Model settings that do not fit the model type, or data it cannot be fitted on."""


class GeneratorError(MapperError):
    """A generator that cannot be loaded, trained or played; the message says what to do."""


class SourceError(MapperError):
    """A live sensor source (a MIDI port, a gamepad) that cannot be opened or read."""


class OSCDecodeError(MapperError, ValueError):
    """A datagram that is not valid OSC (counted and dropped, never fatal)."""


class ModelNotTrusted(GeneratorError):
    """A project names a model file that may not run: outside its folder, or a program (a
    TorchScript model) nobody allowed. The TUI asks when a yes would do (`askable`); headless
    says which flag allows it."""

    def __init__(self, message: str, askable: bool = False) -> None:
        super().__init__(message)
        self.askable = askable  # a yes to the models inside the project's folder lets it load


def shown(value: object, width: int = 40) -> str:
    """A value as a one-line message shows it: repr (a NUL shows as \\x00), cut to about
    `width` characters (a 5,000-digit number or a list of 200 layers stays one short line)."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's digit limit for conversion to text
        return "a number of thousands of digits"
    return text if len(text) <= width else f"{text[: width - 12]}...({len(text)} chars)"
