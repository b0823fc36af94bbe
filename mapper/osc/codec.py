"""A small, fast OSC 1.0 codec (stdlib only).

Decoding is on the receive thread's hot path, so a message whose type tags are all
fixed-size (``f d i h t r c m T F N I``) is unpacked with one precompiled
:class:`struct.Struct`, cached per type-tag string in a bounded dict. Strings and
blobs go through a general loop. Anything malformed raises :class:`OSCDecodeError`
and nothing else.

The decoder is strict where OSC 1.0 is unambiguous: strings and blobs must be
NUL-padded to 4 bytes, bundle element sizes must be multiples of 4, and a message
must end exactly after its last argument (trailing bytes are an error).
"""

from __future__ import annotations

import math
import numbers
import struct
from collections.abc import Sequence
from typing import Any

from mapper.errors import OSCDecodeError

__all__ = [
    "FloatEncoder",
    "Message",
    "OSCDecodeError",
    "encode_bundle",
    "encode_message",
    "message_prefix",
    "parse_packet",
]


Message = tuple[str, str, tuple]
"""``(address, typetags without the leading ',', args)``."""

_BUNDLE_TAG = b"#bundle\0"
_BUNDLE_HEADER = 16  # "#bundle\0" + 64-bit timetag
_SLASH = 0x2F
_COMMA = 0x2C

_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")

# Fixed-size tags: struct code for the bytes they occupy ("" = no bytes).
_FIXED_FORMATS: dict[str, str] = {
    "f": "f",
    "d": "d",
    "i": "i",
    "h": "q",
    "t": "Q",
    "r": "I",
    "c": "3xB",  # char in the low byte of a 32-bit word
    "m": "4s",  # port, status, data1, data2
    "T": "",
    "F": "",
    "N": "",
    "I": "",
}
_CONSTANTS: dict[str, object] = {"T": True, "F": False, "N": None, "I": math.inf}
_VARIABLE_TAGS = frozenset("sSb")
# Tags whose struct value needs no post-processing.
_DIRECT_TAGS = frozenset("fdihtrm")
# Per-tag structs for the general (string/blob) loop.
_SINGLE: dict[str, struct.Struct] = {
    tag: struct.Struct(">" + fmt) for tag, fmt in _FIXED_FORMATS.items() if fmt
}

# Plan steps for fixed layouts that are not a plain struct unpack.
_TAKE, _CHAR, _CONST = 0, 1, 2
_Plan = tuple[tuple[int, Any], ...]
# Cache entry: (typetags, struct or None for string/blob layouts, plan or None).
_Entry = tuple[str, struct.Struct | None, _Plan | None]

_MAX_CACHE = 256
_STRUCT_CACHE: dict[bytes, _Entry] = {}


def _compile(tagb: bytes) -> _Entry:
    """Validate a raw type-tag string and cache its decoding layout."""
    try:
        tags = tagb.decode("ascii")
    except UnicodeDecodeError:
        raise OSCDecodeError(f"type tag string {tagb!r} is not ASCII") from None
    for ch in tags:
        if ch in "[]":
            raise OSCDecodeError("OSC arrays ('[' ... ']') are not supported")
        if ch not in _FIXED_FORMATS and ch not in _VARIABLE_TAGS:
            raise OSCDecodeError(f"unknown type tag {ch!r} in {tags!r}")
    entry: _Entry
    if any(ch in _VARIABLE_TAGS for ch in tags):
        entry = (tags, None, None)
    else:
        fmt = ">" + "".join(_FIXED_FORMATS[ch] for ch in tags)
        plan: _Plan | None = None
        if not all(ch in _DIRECT_TAGS for ch in tags):
            steps: list[tuple[int, Any]] = []
            k = 0
            for ch in tags:
                if ch in _CONSTANTS:
                    steps.append((_CONST, _CONSTANTS[ch]))
                else:
                    steps.append((_CHAR if ch == "c" else _TAKE, k))
                    k += 1
            plan = tuple(steps)
        entry = (tags, struct.Struct(fmt), plan)
    if len(_STRUCT_CACHE) >= _MAX_CACHE:
        _STRUCT_CACHE.clear()
    _STRUCT_CACHE[tagb] = entry
    return entry


def _apply_plan(raw: tuple, plan: _Plan) -> tuple:
    """Insert constant-valued args and convert chars after a fixed-layout unpack."""
    out: list[object] = []
    for kind, x in plan:
        if kind == _CONST:
            out.append(x)
        elif kind == _CHAR:
            out.append(chr(raw[x]))
        else:
            out.append(raw[x])
    return tuple(out)


def _parse_general(data: bytes, off: int, end: int, tags: str) -> tuple:
    """Decode args of a type-tag string containing strings or blobs."""
    args: list[object] = []
    for n, ch in enumerate(tags):
        if ch == "s" or ch == "S":
            try:
                nul = data.index(b"\0", off, end)
            except ValueError:
                raise OSCDecodeError(f"unterminated string in argument {n}") from None
            try:
                args.append(data[off:nul].decode("utf-8"))
            except UnicodeDecodeError:
                raise OSCDecodeError(f"invalid UTF-8 in string argument {n}") from None
            off = (nul + 4) & ~3
            if off > end:
                raise OSCDecodeError(f"truncated padding of string argument {n}")
        elif ch == "b":
            if off + 4 > end:
                raise OSCDecodeError(f"truncated blob size in argument {n}")
            (size,) = _I32.unpack_from(data, off)
            off += 4
            if size < 0:
                raise OSCDecodeError(f"negative blob size {size} in argument {n}")
            if off + size > end:
                raise OSCDecodeError(f"truncated blob in argument {n} (size {size})")
            args.append(data[off : off + size])
            off += (size + 3) & ~3
            if off > end:
                raise OSCDecodeError(f"truncated padding of blob argument {n}")
        elif ch in _CONSTANTS:
            args.append(_CONSTANTS[ch])
        else:
            st = _SINGLE[ch]
            if off + st.size > end:
                raise OSCDecodeError(f"truncated argument {n} ({ch!r})")
            (value,) = st.unpack_from(data, off)
            off += st.size
            args.append(chr(value) if ch == "c" else value)
    if off != end:
        raise OSCDecodeError(f"{end - off} trailing bytes after the last argument")
    return tuple(args)


def _parse_message(data: bytes, start: int, end: int) -> Message:
    """Decode the message in ``data[start:end]`` (caller checked the leading '/')."""
    try:
        nul = data.index(b"\0", start, end)
    except ValueError:
        raise OSCDecodeError("unterminated address string") from None
    try:
        address = data[start:nul].decode()
    except UnicodeDecodeError:
        raise OSCDecodeError("address is not valid UTF-8") from None
    off = (nul + 4) & ~3
    if off >= end:
        if off == end:  # legal old-style message: no type tag string, no args
            return (address, "", ())
        raise OSCDecodeError("truncated padding of address string")
    if data[off] != _COMMA:
        raise OSCDecodeError("missing ',' type tag string after the address")
    try:
        nul = data.index(b"\0", off, end)
    except ValueError:
        raise OSCDecodeError("unterminated type tag string") from None
    tagb = data[off + 1 : nul]
    off = (nul + 4) & ~3
    if off > end:
        raise OSCDecodeError("truncated padding of type tag string")
    entry = _STRUCT_CACHE.get(tagb)
    if entry is None:
        entry = _compile(tagb)
    tags, st, plan = entry
    if st is None:
        return (address, tags, _parse_general(data, off, end, tags))
    if end - off != st.size:
        if end - off < st.size:
            raise OSCDecodeError(
                f"truncated arguments: ',{tags}' needs {st.size} bytes, got {end - off}"
            )
        raise OSCDecodeError(f"{end - off - st.size} trailing bytes after the last argument")
    values = st.unpack_from(data, off)
    if plan is not None:
        values = _apply_plan(values, plan)
    return (address, tags, values)


def _parse_bundle(data: bytes) -> list[Message]:
    """Flatten a bundle (nested bundles included, in order) into its messages."""
    if len(data) < _BUNDLE_HEADER:
        raise OSCDecodeError("truncated bundle header")
    out: list[Message] = []
    pos, end = _BUNDLE_HEADER, len(data)
    stack: list[tuple[int, int]] = []  # iterative: hostile nesting depth can't recurse
    while True:
        if pos == end:
            if not stack:
                return out
            pos, end = stack.pop()
            continue
        if end - pos < 4:
            raise OSCDecodeError("truncated bundle element size")
        (size,) = _I32.unpack_from(data, pos)
        pos += 4
        if size <= 0 or size & 3:
            raise OSCDecodeError(
                f"bad bundle element size {size} (must be a positive multiple of 4)"
            )
        elem_end = pos + size
        if elem_end > end:
            raise OSCDecodeError(
                f"bundle element size {size} overruns its bundle by {elem_end - end} bytes"
            )
        if data[pos] == _SLASH:
            out.append(_parse_message(data, pos, elem_end))
            pos = elem_end
        elif data.startswith(_BUNDLE_TAG, pos, elem_end):
            if size < _BUNDLE_HEADER:
                raise OSCDecodeError("truncated nested bundle header")
            stack.append((elem_end, end))
            pos, end = pos + _BUNDLE_HEADER, elem_end
        else:
            raise OSCDecodeError("bundle element is neither a message nor a bundle")


def parse_packet(data: bytes) -> list[Message]:
    """Decode one OSC datagram into its messages (bundles flattened, timetags ignored).

    Raises :class:`OSCDecodeError` (and only that) if the datagram is malformed.
    """
    try:
        if type(data) is not bytes:
            data = bytes(memoryview(data))  # bytes-like only; bytes(int) would allocate
        if data[:1] == b"/":
            return [_parse_message(data, 0, len(data))]
        if data[:8] == _BUNDLE_TAG:
            return _parse_bundle(data)
        if not data:
            raise OSCDecodeError("empty datagram")
        raise OSCDecodeError("datagram is neither a message (starts with '/') nor a bundle")
    except OSCDecodeError:
        raise
    except (ValueError, IndexError, TypeError, OverflowError, struct.error) as exc:
        raise OSCDecodeError(f"malformed datagram: {exc}") from exc


# --------------------------------------------------------------------------- encoding


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
    parts = [_BUNDLE_TAG]
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
