"""The hostile datagrams of benchmarks/fuzz.py: each kind (KINDS) a generator of malformed or
abusive OSC for a real instrument, repeatable from its seed.
"""

from __future__ import annotations

import math
import random
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mapper.osc.codec import (
    encode_bundle,
    encode_message,
    message_prefix,
)

# ---- the hostile datagrams -------------------------------------------------------------------

MAX_DATAGRAM = 65_000  # under IPv4's 65,507-byte UDP payload
FRAME = encode_message("/wek/inputs", [0.5, 0.5, 0.5], "fff")
ESCAPES = ("\x1b[2J", "\x1b[31m", "\x1b]0;owned\x07", "\x1b[1;1H", "\r", "\x07",
           "\u009b31m", "\x1b[6n", "\x1bP+q\x1b\\", "\x1b]52;c;aGk=\x07")  # fmt: skip
HARMLESS_CONTROLS = (  # valid messages to cut short: none may change what the instrument plays
    encode_message("/mapper/control/setModel", [1, "knn", "k", 3]),
    encode_message("/wekinator/control/setInputNames", ["a", "b", "c"]),
    encode_message("/wekinator/control/outputs", [0.25, 0.75], "ff"),
    encode_message("/mapper/control/nearest", [1]),
)


def _tag(value: Any) -> str:
    """Floats as float32 ('f') where they fit, else as doubles; the rest as encode_message
    infers them."""
    if isinstance(value, float):
        return "d" if math.isfinite(value) and abs(value) > 3.4e38 else "f"
    if isinstance(value, str):
        return "s"
    return "i" if -(2**31) <= value < 2**31 else "h"


def _pad(raw: bytes) -> bytes:
    return raw + b"\0" * (4 - (len(raw) & 3))


_NAN, _INF = math.nan, math.inf
_C, _W = "/mapper/control/", "/wekinator/control/"
# control messages with bad arguments; each must be refused (none may change the instrument)
BAD_CONTROLS: list[tuple[str, list[Any]]] = [
    (_C + "setLimits", [1, _NAN, 1.0]), (_C + "setLimits", [1, 0.0, _INF]),
    (_C + "setLimits", [1, 1.0, 0.0]), (_C + "setLimits", [99, 0.0, 1.0]),
    (_C + "setLimits", ["one", 0.0, 1.0]), (_C + "setLimits", [_NAN, 0.0, 1.0]),
    (_C + "setModel", [1, "nonsense"]), (_C + "setModel", [1, "knn", "k"]),
    (_C + "setModel", [1, "knn", "k", -5]), (_C + "setModel", [1, "knn", "k", "x"]),
    (_C + "setModel", [1, "knn", "bogus", 1]), (_C + "setModel", [0, "knn"]),
    (_C + "setModel", [1, 42]), (_C + "setModel", [1e300, "knn"]),
    (_C + "setModel", [1, "mlp", "hidden", -3]), (_C + "setModel", [1, "svm"]),
    (_W + "setInputNames", ["n"] * 10_000), (_W + "setInputNames", ["a"]),
    (_W + "setOutputNames", ["o"] * 10_000), (_W + "selectInputsForOutput", [1, 99]),
    (_W + "selectInputsForOutput", [1, _NAN]), (_W + "selectInputsForOutput", [1]),
    (_C + "setClasses", [1, 3]), (_C + "setSmoothing", [_NAN]), (_C + "setSmoothing", [-1]),
    (_C + "setSmoothing", [1e300]), (_C + "setCountIn", [_INF]), (_C + "setRecordFor", [_NAN]),
    (_W + "outputs", ["a", "b"]), (_W + "outputs", [_NAN, _NAN]), (_W + "outputs", [1.0]),
    (_W + "outputs", [_INF, 0.5]), (_W + "enableModelRunning", [0]),
    (_W + "disableModelRunning", [99]), (_W + "enableModelRecording", ["x"]),
    (_W + "deleteExamplesForOutput", [99]), (_C + "deleteRound", ["x"]),
    (_C + "deleteRound", [1e300]), (_C + "deleteExample", [1e300, 1]),
    (_C + "nearest", [99]), (_C + "evaluate", [99]), (_C + "evaluate", [_NAN]),
    (_C + "load", ["/etc"]), (_C + "load", [42]), (_C + "save", ["../../../etc/x"]),
    (_W + "runNewProject", ["/etc/passwd"]), (_W + "runNewProject", [""]),
]  # fmt: skip


class Hostile:
    """Makes the datagrams of each kind (seeded: the same seed, the same datagrams)."""

    def __init__(self, inputs: int, seed: int) -> None:
        self.inputs = inputs
        self.rng = random.Random(seed)
        self._nested: dict[int, bytes] = {}
        self._evaluate = encode_bundle([encode_message("/mapper/control/evaluate")] * 300)
        self._save = encode_bundle([encode_message("/mapper/control/save")] * 1800)
        self._tags_seen: set[int] = set()
        self._floats = struct.Struct(f">{inputs}f")
        self._frame_prefix = message_prefix("/wek/inputs", "f" * inputs)

    def frame(self, values: Sequence[float] | None = None, tags: str = "") -> bytes:
        if values is None:
            values = [self.rng.random() for _ in range(self.inputs)]
        return encode_message("/wek/inputs", list(values), tags or "f" * len(values))

    def random_bytes(self) -> bytes:
        return self.rng.randbytes(self.rng.randint(1, 512))

    def truncated(self) -> bytes:
        pool = (FRAME, self.frame(tags="d" * self.inputs), encode_bundle([FRAME] * 3),
                *HARMLESS_CONTROLS)  # fmt: skip
        whole = self.rng.choice(pool)
        return whole[: self.rng.randint(1, len(whole) - 1)]

    def unpadded_string(self) -> bytes:
        floats = struct.pack(">fff", 0.5, 0.5, 0.5)
        return self.rng.choice((
            b"/wek/inputs,fff" + floats,  # no NULs at all
            b"/wek/inputs\0,fff" + floats,  # address NUL-terminated, not padded
            b"/wek/inputs\0\0\0\0,fff" + floats,  # tag string unterminated
            _pad(b"/wekinator/control/setInputNames") + _pad(b",sss") + b"a\0b\0c",
            _pad(b"/mapper/control/load") + _pad(b",s") + b"/tmp/x",  # string runs off the end
            _pad(b"/wek/inputs") + _pad(b",fsf") + floats[:4] + b"abc" + floats[4:8],
        ))  # fmt: skip

    def bad_type_tag(self) -> bytes:
        floats = struct.pack(">fff", 0.5, 0.5, 0.5)
        return self.rng.choice((
            _pad(b"/wek/inputs") + _pad(b"fff") + floats,  # no ','
            _pad(b"/wek/inputs") + _pad(b",\xff\xfe\xfd") + floats,  # not ASCII
            _pad(b"/wek/inputs") + _pad(b",[fff]") + floats,  # arrays
            _pad(b"/wek/inputs") + _pad(b",ff\0f") + floats,  # NUL inside
            _pad(b"/wek/inputs") + b",fff",  # unterminated, nothing after
            _pad(b"/wek/inputs") + _pad(b",fff") + floats[:7],  # arguments cut
            _pad(b"/wek/inputs") + _pad(b",fff") + floats + b"\0\0\0\0",  # trailing bytes
        ))  # fmt: skip

    def unknown_type_tag(self) -> bytes:
        known = set("fdihtrcmTFNIsSb[],")
        letters = [chr(c) for c in range(33, 127) if chr(c) not in known]
        tags = ["f"] * self.inputs
        tags[self.rng.randrange(len(tags))] = self.rng.choice(letters)
        return _pad(b"/wek/inputs") + _pad(("," + "".join(tags)).encode()) + b"\0" * 4 * len(tags)

    def huge_address(self) -> bytes:
        n = self.rng.randint(50_000, MAX_DATAGRAM - 40)
        return encode_message("/" + "a" * n, [1.0], "f")[:MAX_DATAGRAM]

    def escape_address(self) -> bytes:
        junk = "".join(self.rng.choice(ESCAPES) for _ in range(self.rng.randint(1, 8)))
        return self.rng.choice((
            encode_message("/" + junk + "/inputs", [0.5] * self.inputs),
            encode_message("/mapper/control/setModel", [1, junk + "knn"]),
            encode_message("/mapper/control/load", ["/" + junk]),
            encode_message("/wek/inputs", [junk] * self.inputs),
        ))  # fmt: skip

    def wrong_input_count(self) -> bytes:
        n = self.rng.choice([0, 1, self.inputs - 1, self.inputs + 1, 64, 1000, 5000])
        tags = self.rng.choice("fdih")
        values: list[Any] = [self.rng.randint(0, 9) if tags in "ih" else 0.5 for _ in range(n)]
        return encode_message("/wek/inputs", values, tags * n)

    def non_numbers(self) -> bytes:
        samples: dict[str, Any] = {"s": "1.0", "S": "sym", "b": b"\x00\x01", "T": True,
                                   "F": False, "N": None, "I": None, "c": "x", "m": b"\x90<d\0",
                                   "t": 1, "r": 0xFF0000FF}  # fmt: skip
        tags = ["f"] * self.inputs
        for k in self.rng.sample(range(self.inputs), self.rng.randint(1, self.inputs)):
            tags[k] = self.rng.choice(list(samples))
        values = [samples.get(t, 0.5) for t in tags]
        return encode_message("/wek/inputs", values, "".join(tags))

    def nan_inf(self) -> bytes:
        bad = [math.nan, math.inf, -math.inf]
        values = [self.rng.random() for _ in range(self.inputs)]
        for k in self.rng.sample(range(self.inputs), self.rng.randint(1, self.inputs)):
            values[k] = self.rng.choice(bad)
        if self.rng.random() < 0.2:  # a signalling NaN's bits, as a sensor could send them
            return (
                _pad(b"/wek/inputs")
                + _pad(b"," + b"f" * self.inputs)
                + (b"\x7f\x80\x00\x01" * self.inputs)
            )
        return self.frame(values, self.rng.choice("fd") * self.inputs)

    def huge_finite(self) -> bytes:
        big = 1e308
        return self.rng.choice((
            self.frame([big] * self.inputs, "d" * self.inputs),  # the sum overflows
            self.frame([big, -big] + [big] * (self.inputs - 2), "d" * self.inputs),  # it doesn't
            self.frame([sys.float_info.max, 0.5] + [0.5] * (self.inputs - 2), "d" * self.inputs),
            self.frame([3.4028234e38] * self.inputs, "f" * self.inputs),  # float32's largest
            self.frame([5e-324] * self.inputs, "d" * self.inputs),  # the smallest denormal
        ))  # fmt: skip

    def int_extremes(self) -> bytes:
        ints = (-(2**31), 2**31 - 1, 0, -1)
        longs = (-(2**63), 2**63 - 1, 2**53 + 1, -(2**53) - 1)
        if self.rng.random() < 0.5:
            return self.frame(
                [self.rng.choice(ints) for _ in range(self.inputs)], "i" * self.inputs
            )
        tags = "".join(self.rng.choice("ih") for _ in range(self.inputs))
        values = [self.rng.choice(ints if t == "i" else longs) for t in tags]
        return self.frame(values, tags)

    def nested_bundle(self) -> bytes:
        depth = self.rng.choice((1, 2, 16, 256, 1024, (MAX_DATAGRAM - len(FRAME)) // 20))
        if depth not in self._nested:
            size, headers = len(FRAME), []
            for _ in range(depth):  # innermost first; each level: '#bundle\0', timetag, size
                headers.append(b"#bundle\0" + struct.pack(">QI", 1, size))
                size += 20
            self._nested[depth] = b"".join(reversed(headers)) + FRAME
        data = self._nested[depth]
        if self.rng.random() < 0.25:  # an inner size that lies
            k = 16 + 20 * self.rng.randrange(depth)
            data = data[:k] + struct.pack(">I", self.rng.choice((0, 3, 1 << 30))) + data[k + 4 :]
        return data

    def frame_bundle(self) -> bytes:
        n = 1800 if self.rng.random() < 0.125 else self.rng.randint(1, 1800)
        rnd, pack, prefix = self.rng.random, self._floats.pack, self._frame_prefix
        k = self.inputs
        return encode_bundle([prefix + pack(*[rnd() for _ in range(k)]) for _ in range(n)])

    def evaluate_bundle(self) -> bytes:
        return self._evaluate  # 300 x /mapper/control/evaluate

    def save_bundle(self) -> bytes:
        return self._save  # 1,800 x /mapper/control/save

    def bad_controls(self) -> bytes:
        address, args = self.rng.choice(BAD_CONTROLS)
        return encode_message(address, args, "".join(_tag(a) for a in args))

    def huge_type_tags(self) -> bytes:
        """A distinct type-tag string every time (to grow any cache keyed by them): tens of
        thousands of argument-less tags (T F N I), or thousands of ints and floats with data."""
        while True:
            if self.rng.random() < 0.75:
                n = self.rng.randint(1000, MAX_DATAGRAM - 64)
                tags = "".join(self.rng.choices("TFNI", k=n))
                data = _pad(b"/x") + _pad(("," + tags).encode())
            else:
                n = self.rng.randint(500, (MAX_DATAGRAM - 64) // 5)
                tags = "".join(self.rng.choices("if", k=n))
                data = _pad(b"/wek/inputs") + _pad(("," + tags).encode()) + b"\0" * 4 * n
            key = hash(tags)
            if key not in self._tags_seen or len(self._tags_seen) > 1_000_000:
                self._tags_seen.add(key)
                return data

    def empty(self) -> bytes:
        return b""


KINDS: dict[str, tuple[str, Callable[[Hostile], bytes]]] = {
    "random-bytes": ("1..512 random bytes", Hostile.random_bytes),
    "truncated": ("a valid frame, bundle or control cut short", Hostile.truncated),
    "unpadded-string": ("strings not NUL-padded to 4 bytes", Hostile.unpadded_string),
    "bad-type-tag": ("no ',', not ASCII, arrays, NUL inside, cut args", Hostile.bad_type_tag),
    "unknown-type-tag": ("a tag letter OSC 1.0 does not define", Hostile.unknown_type_tag),
    "huge-address": ("an address of 50-65 KB", Hostile.huge_address),
    "escape-address": ("terminal escapes in addresses and strings", Hostile.escape_address),
    "wrong-input-count": ("/wek/inputs with 0..5,000 numbers", Hostile.wrong_input_count),
    "non-numbers": ("strings, blobs, T/F/N/I... where numbers go", Hostile.non_numbers),
    "nan-inf": ("NaN and infinities (f, d, signalling NaN)", Hostile.nan_inf),
    "huge-finite": ("1e308 (sums overflow), float32 max, denormals", Hostile.huge_finite),
    "int-extremes": ("i and h at their extremes", Hostile.int_extremes),
    "nested-bundle": ("bundles nested 1..3,200 deep, some sizes lying", Hostile.nested_bundle),
    "frame-bundle": ("a bundle of 1..1,800 input frames", Hostile.frame_bundle),
    "evaluate-bundle": ("a bundle of 300 /mapper/control/evaluate", Hostile.evaluate_bundle),
    "save-bundle": ("a bundle of 1,800 /mapper/control/save", Hostile.save_bundle),
    "bad-controls": ("controls with bad arguments (NaN, 10,000 names...)", Hostile.bad_controls),
    "huge-type-tags": ("distinct type-tag strings of up to 65,000 tags", Hostile.huge_type_tags),
    "empty": ("empty datagrams", Hostile.empty),
}
