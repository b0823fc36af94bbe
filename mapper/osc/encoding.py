"""Encoding OSC 1.0 messages and bundles (stdlib only); the output hot path is FloatEncoder.

Re-exported by mapper.osc.codec, the name the rest of the code imports them by.
"""

from __future__ import annotations

import numbers
import struct
from collections.abc import Sequence

BUNDLE_TAG = b"#bundle\0"
_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def _osc_string(text: str) -> bytes:
    """UTF-8 encode and NUL-pad to a multiple of 4 (at least one NUL)."""
    raw = text.encode("utf-8")
    if b"\0" in raw:
        raise ValueError(f"OSC strings cannot contain NUL: {text!r}")
    return raw + b"\0" * (4 - (len(raw) & 3))


def _osc_blob(blob: bytes) -> bytes:
    """Size-prefixed, NUL-padded blob."""
    return _I32.pack(len(blob)) + blob + b"\0" * (-len(blob) & 3)


def _infer_tag(value: object) -> str:
    """Type tag for an untyped argument."""
    if value is True:
        return "T"
    if value is False:
        return "F"
    if value is None:
        return "N"
    if isinstance(value, float):
        return "f"
    if isinstance(value, int):
        return "i" if -(2**31) <= value < 2**31 else "h"
    if isinstance(value, str):
        return "s"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b"
    if isinstance(value, numbers.Integral):  # e.g. numpy integers
        return _infer_tag(int(value))
    if isinstance(value, numbers.Real):  # e.g. numpy.float32
        return "f"
    raise TypeError(f"cannot infer an OSC type for {type(value).__name__}: {value!r}")


_PACKERS: dict[str, struct.Struct] = {
    "f": struct.Struct(">f"),
    "d": struct.Struct(">d"),
    "i": _I32,
    "h": struct.Struct(">q"),
    "t": _U64,
    "r": _U32,
}


def _encode_arg(tag: str, value: object) -> bytes:
    """Encode one argument for ``tag``."""
    packer = _PACKERS.get(tag)
    if packer is not None:
        if tag in "ihtr" and isinstance(value, numbers.Integral):
            value = int(value)
        return packer.pack(value)
    if tag in "TFNI":
        return b""
    if tag == "s" or tag == "S":
        if not isinstance(value, str):
            raise TypeError(f"type tag {tag!r} needs a str, got {type(value).__name__}")
        return _osc_string(value)
    if tag == "b":
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"type tag 'b' needs bytes, got {type(value).__name__}")
        return _osc_blob(bytes(value))
    if tag == "c":
        if not isinstance(value, str) or len(value) != 1 or ord(value) > 0xFF:
            raise ValueError(f"type tag 'c' needs a single 8-bit character, got {value!r}")
        return _U32.pack(ord(value))
    if tag == "m":
        midi = bytes(value)  # type: ignore[call-overload]
        if len(midi) != 4:
            raise ValueError(f"type tag 'm' needs 4 bytes, got {len(midi)}")
        return midi
    raise ValueError(f"unsupported type tag {tag!r}")


def encode_message(address: str, args: Sequence = (), typetags: str | None = None) -> bytes:
    """Encode one OSC message.

    Without ``typetags`` the tags are inferred: float -> 'f', int -> 'i' (or 'h' outside
    int32), str -> 's', bytes -> 'b', True/False -> 'T'/'F', None -> 'N'. With
    ``typetags`` (no leading ','; 'f d i h s S b T F N I t c r m') there must be one
    arg per tag; values given for 'T', 'F', 'N', 'I' are ignored.
    Raises ValueError/TypeError for bad addresses, tags or values.
    """
    if not isinstance(address, str) or not address.startswith("/"):
        raise ValueError(f"OSC address must be a str starting with '/': {address!r}")
    if typetags is None:
        typetags = "".join(_infer_tag(value) for value in args)
    elif len(typetags) != len(args):
        raise ValueError(f"{len(typetags)} type tags ({typetags!r}) for {len(args)} args")
    parts = [_osc_string(address), _osc_string("," + typetags)]
    try:
        parts.extend(_encode_arg(tag, value) for tag, value in zip(typetags, args))
    except (struct.error, OverflowError) as exc:
        raise ValueError(f"cannot encode arguments {args!r} as ',{typetags}': {exc}") from exc
    return b"".join(parts)


def message_prefix(address: str, typetags: str) -> bytes:
    """The bytes every message to `address` with these type tags (no ',') starts with."""
    return _osc_string(address) + _osc_string("," + typetags)


class FloatEncoder:
    """Hot-path encoder for one address with exactly ``n`` float32 args (tags 'f' * n)."""

    __slots__ = ("_prefix", "_struct", "address", "n")

    def __init__(self, address: str, n: int) -> None:
        """Precompute the padded address + type-tag prefix and the packing struct."""
        if not isinstance(address, str) or not address.startswith("/"):
            raise ValueError(f"OSC address must be a str starting with '/': {address!r}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        self.address = address
        self.n = n
        self._prefix = message_prefix(address, "f" * n)
        self._struct = struct.Struct(f">{len(self._prefix)}s{n}f")

    def encode(self, values: Sequence[float]) -> bytes:
        """Encode ``values`` (exactly ``n`` numbers) as one message.

        Raises ValueError on a wrong count, a non-number, or a finite value too large
        for float32 (inf and NaN are encoded as-is).
        """
        try:
            return self._struct.pack(self._prefix, *values)
        except (struct.error, OverflowError, TypeError) as exc:
            raise ValueError(f"cannot encode {self.n} float32 for {self.address}: {exc}") from exc


def encode_bundle(messages: Sequence[bytes], timetag: int = 1) -> bytes:
    """Wrap encoded messages (or bundles) in a bundle; timetag 1 means 'immediately'."""
    parts = [BUNDLE_TAG]
    try:
        parts.append(_U64.pack(timetag))
    except struct.error as exc:
        raise ValueError(f"timetag must be an unsigned 64-bit int, got {timetag!r}") from exc
    for element in messages:
        if not element or len(element) & 3:
            raise ValueError(
                f"bundle element length {len(element)} is not a positive multiple of 4"
            )
        parts.append(_I32.pack(len(element)))
        parts.append(bytes(element))
    return b"".join(parts)
