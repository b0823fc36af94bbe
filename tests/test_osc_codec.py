"""Tests for mapper.osc.codec, cross-checked against python-osc (an independent implementation)."""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Sequence

import pytest
from pythonosc import osc_bundle_builder, osc_message, osc_message_builder, osc_packet
from pythonosc.parsing import osc_types

from mapper.osc import codec
from mapper.osc.codec import (
    FloatEncoder,
    OSCDecodeError,
    encode_bundle,
    encode_message,
    message_prefix,
    parse_packet,
)

IMMEDIATELY = osc_bundle_builder.IMMEDIATELY


def f32(x: float) -> float:
    """float32-rounded python float."""
    return struct.unpack(">f", struct.pack(">f", x))[0]


def build(address: str, typed_args: Sequence[tuple[str, object]]) -> bytes:
    """Datagram built by python-osc's OscMessageBuilder with explicit type tags."""
    b = osc_message_builder.OscMessageBuilder(address)
    for tag, value in typed_args:
        b.add_arg(value, tag)  # type: ignore[arg-type]
    return b.build().dgram


def pythonosc_typetags(dgram: bytes) -> str:
    """Type tags (without ',') read by python-osc's own string reader."""
    _, idx = osc_types.get_string(dgram, 0)
    tags, _ = osc_types.get_string(dgram, idx)
    assert tags.startswith(",")
    return tags[1:]


def normalise(tag: str, value: object) -> object:
    """python-osc's value representation -> ours (midi is a 4-tuple there, bytes here)."""
    if tag == "m":
        return bytes(value)  # type: ignore[call-overload]
    return value


def same(a: object, b: object) -> bool:
    """Equality that treats NaN as equal to NaN and keeps types (True != 1)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


# Cases python-osc's builder can make: (typetag, value) lists.
BUILDER_CASES: dict[str, list[tuple[str, object]]] = {
    "floats": [("f", 0.5), ("f", -1.25), ("f", 3.0), ("f", 1e-3), ("f", 123456.789)],
    "double": [("d", 0.1), ("d", -1e300), ("d", 5e-324)],
    "int32": [("i", 0), ("i", -5), ("i", 2**31 - 1), ("i", -(2**31))],
    "int64": [("h", 2**40), ("h", -(2**63)), ("h", 2**63 - 1), ("h", 7)],
    "strings": [("s", "hello"), ("s", ""), ("s", "abc"), ("s", "abcd"), ("s", "héllo ♫")],
    # python-osc's builder refuses empty blobs; see test_empty_blob_and_string.
    "blobs": [("b", b"\x00\x01\x02"), ("b", b"abcd"), ("b", b"abcde\xff")],
    "bools_nil": [("T", True), ("F", False), ("N", None)],
    "rgba": [("r", 0xFF00FF80), ("r", 0)],
    "midi": [("m", (0, 0x90, 60, 127))],
    "no_args": [],
    "mixed": [
        ("f", 0.25),
        ("s", "x"),
        ("i", 42),
        ("b", b"\x01\x02"),
        ("T", True),
        ("d", 2.5),
        ("N", None),
        ("h", -(2**50)),
        ("F", False),
        ("s", "end"),
        ("r", 0x12345678),
        ("m", (1, 2, 3, 4)),
    ],
    "fixed_with_constants": [("f", 1.5), ("T", True), ("i", -3), ("N", None), ("F", False)],
}


@pytest.mark.parametrize("case", sorted(BUILDER_CASES))
def test_parse_pythonosc_built_messages(case: str) -> None:
    typed = BUILDER_CASES[case]
    dgram = build("/test/addr", typed)
    ((address, tags, args),) = parse_packet(dgram)
    assert address == "/test/addr"
    assert tags == "".join(t for t, _ in typed)
    expected = tuple(f32(v) if t == "f" else normalise(t, v) for t, v in typed)  # type: ignore[arg-type]
    assert len(args) == len(expected)
    for got, want in zip(args, expected):
        assert same(got, want), (got, want)
    # And the independent parser agrees value for value.
    theirs = osc_message.OscMessage(dgram).params
    assert len(theirs) == len(args)
    for (t, _), got, them in zip(typed, args, theirs):
        assert same(got, normalise(t, them)), (got, them)


@pytest.mark.parametrize("case", sorted(BUILDER_CASES))
def test_encode_message_matches_pythonosc(case: str) -> None:
    typed = BUILDER_CASES[case]
    tags = "".join(t for t, _ in typed)
    values = [v for _, v in typed]
    ours = encode_message("/test/addr", values, tags)
    # Byte-identical to python-osc's builder, so any receiver sees the same thing.
    assert ours == build("/test/addr", typed)
    assert pythonosc_typetags(ours) == tags
    msg = osc_message.OscMessage(ours)
    assert msg.address == "/test/addr"
    expected = [f32(v) if t == "f" else v for t, v in typed]  # type: ignore[arg-type]
    assert len(msg.params) == len(expected)
    for got, want in zip(msg.params, expected):
        assert same(got, want), (got, want)


def test_empty_blob_and_string() -> None:
    dgram = encode_message("/e", [b"", "", b""])
    assert dgram == b"/e\0\0,bsb\0\0\0\0" + b"\0" * 4 + b"\0" * 4 + b"\0" * 4
    assert osc_message.OscMessage(dgram).params == [b"", "", b""]
    assert parse_packet(dgram) == [("/e", "bsb", (b"", "", b""))]


def test_encode_message_inferred_tags() -> None:
    values = [1.5, 7, 2**40, -(2**31), 2**31, "s", b"blob", True, False, None]
    dgram = encode_message("/infer", values)
    assert pythonosc_typetags(dgram) == "fihihsbTFN"
    assert osc_message.OscMessage(dgram).params == values
    ((_, tags, args),) = parse_packet(dgram)
    assert tags == "fihihsbTFN"
    assert list(args) == values
    assert args[7] is True and args[8] is False


def test_encode_message_infers_numpy_scalars() -> None:
    np = pytest.importorskip("numpy")
    dgram = encode_message("/np", [np.float32(0.5), np.float64(0.25), np.int64(3), np.int64(2**40)])
    assert parse_packet(dgram) == [("/np", "ffih", (0.5, 0.25, 3, 2**40))]


def test_encode_message_errors() -> None:
    with pytest.raises(ValueError):
        encode_message("no/slash", [])
    with pytest.raises(ValueError):
        encode_message("/a", [1.0], "ff")  # count mismatch
    with pytest.raises(ValueError):
        encode_message("/a", [1], "x")  # unknown tag
    with pytest.raises(ValueError):
        encode_message("/a", [2**31], "i")  # out of int32 range
    with pytest.raises(ValueError):
        encode_message("/a", [2**64])  # out of int64 range
    with pytest.raises(ValueError):
        encode_message("/a", [1e39], "f")  # out of float32 range
    with pytest.raises(ValueError):
        encode_message("/a", ["a\0b"])  # NUL inside a string
    with pytest.raises(TypeError):
        encode_message("/a", [object()])
    with pytest.raises(TypeError):
        encode_message("/a", [1.0], "s")


def test_encode_message_extra_tags_round_trip() -> None:
    # Tags python-osc's builder lacks: I, t, c, S (and r/m through our encoder).
    values = [None, 2**63 + 5, "A", "sym", 0xDEADBEEF, b"\x00\x90\x3c\x7f", 1.0, 1e-300]
    tags = "ItcSrmfd"
    dgram = encode_message("/x", values, tags)
    ((addr, got_tags, args),) = parse_packet(dgram)
    assert (addr, got_tags) == ("/x", tags)
    assert args == (math.inf, 2**63 + 5, "A", "sym", 0xDEADBEEF, b"\x00\x90\x3c\x7f", 1.0, 1e-300)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 8, 33])
def test_float_encoder_against_pythonosc(n: int) -> None:
    values = [0.1 * i - 1.0 for i in range(n)]
    enc = FloatEncoder("/wek/outputs", n)
    dgram = enc.encode(values)
    assert dgram == build("/wek/outputs", [("f", v) for v in values])
    assert pythonosc_typetags(dgram) == "f" * n
    packet = osc_packet.OscPacket(dgram)
    (timed,) = packet.messages
    assert timed.message.address == "/wek/outputs"
    assert timed.message.params == [f32(v) for v in values]
    assert parse_packet(dgram) == [("/wek/outputs", "f" * n, tuple(f32(v) for v in values))]


@pytest.mark.parametrize(
    ("address", "tags"), [("/wek/inputs", "ffffffff"), ("/a", ""), ("/abc", "fdi")]
)
def test_message_prefix_is_how_every_such_message_starts(address: str, tags: str) -> None:
    args = [1.5, 2.5, 3][: len(tags)] if tags != "ffffffff" else [0.25] * 8
    dgram = build(address, list(zip(tags, args)))
    prefix = message_prefix(address, tags)
    assert dgram.startswith(prefix) and len(prefix) % 4 == 0
    # what follows the prefix is the arguments and nothing else
    assert len(dgram) - len(prefix) == sum(8 if t == "d" else 4 for t in tags)


def test_float_encoder_two_floats_tag_is_ff() -> None:
    dgram = FloatEncoder("/wek/outputs", 2).encode((0.5, 0.75))
    assert dgram == b"/wek/outputs\0\0\0\0,ff\0" + struct.pack(">ff", 0.5, 0.75)
    assert pythonosc_typetags(dgram) == "ff"


def test_float_encoder_accepts_ints_nan_inf() -> None:
    enc = FloatEncoder("/o", 3)
    ((_, _, args),) = parse_packet(enc.encode([1, math.nan, -math.inf]))
    assert args[0] == 1.0 and isinstance(args[0], float)
    assert math.isnan(args[1])
    assert args[2] == -math.inf


def test_float_encoder_errors() -> None:
    enc = FloatEncoder("/o", 3)
    with pytest.raises(ValueError):
        enc.encode([1.0, 2.0])
    with pytest.raises(ValueError):
        enc.encode([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError):
        enc.encode([1.0, 2.0, "x"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        enc.encode([1.0, 2.0, 1e39])
    with pytest.raises(ValueError):
        FloatEncoder("o", 3)
    with pytest.raises(ValueError):
        FloatEncoder("/o", -1)


def test_bundles_from_pythonosc_parse_in_order() -> None:
    m1 = build("/a", [("f", 1.0)])
    m2 = build("/b", [("s", "two"), ("i", 2)])
    m3 = build("/c", [])
    m4 = build("/d", [("b", b"\x04")])
    inner = osc_bundle_builder.OscBundleBuilder(IMMEDIATELY)
    inner.add_content(osc_message.OscMessage(m2))
    innermost = osc_bundle_builder.OscBundleBuilder(IMMEDIATELY)
    innermost.add_content(osc_message.OscMessage(m3))
    inner.add_content(innermost.build())
    outer = osc_bundle_builder.OscBundleBuilder(IMMEDIATELY)
    outer.add_content(osc_message.OscMessage(m1))
    outer.add_content(inner.build())
    outer.add_content(osc_message.OscMessage(m4))
    dgram = outer.build().dgram
    assert parse_packet(dgram) == [
        ("/a", "f", (1.0,)),
        ("/b", "si", ("two", 2)),
        ("/c", "", ()),
        ("/d", "b", (b"\x04",)),
    ]


def test_encode_bundle_parsed_by_pythonosc() -> None:
    m1 = encode_message("/a", [1.5, 2])
    m2 = FloatEncoder("/wek/outputs", 2).encode([0.5, 0.25])
    nested = encode_bundle([m2, m1], timetag=12345)
    dgram = encode_bundle([m1, nested], timetag=IMMEDIATELY)
    theirs = [(t.message.address, t.message.params) for t in osc_packet.OscPacket(dgram).messages]
    assert sorted(theirs) == sorted(
        [("/a", [1.5, 2]), ("/wek/outputs", [0.5, 0.25]), ("/a", [1.5, 2])]
    )
    assert parse_packet(dgram) == [
        ("/a", "fi", (1.5, 2)),
        ("/wek/outputs", "ff", (0.5, 0.25)),
        ("/a", "fi", (1.5, 2)),
    ]


def test_empty_bundle_and_deep_nesting() -> None:
    assert parse_packet(encode_bundle([])) == []
    dgram = encode_message("/deep", [1])
    for _ in range(3000):  # far beyond the recursion limit: must not recurse
        dgram = encode_bundle([dgram])
    assert parse_packet(dgram) == [("/deep", "i", (1,))]


def test_bundle_input_errors() -> None:
    with pytest.raises(ValueError):
        encode_bundle([b"/ab"])  # not a multiple of 4
    with pytest.raises(ValueError):
        encode_bundle([], timetag=-1)


def test_old_style_message_without_typetags() -> None:
    assert parse_packet(b"/foo\0\0\0\0") == [("/foo", "", ())]
    assert parse_packet(b"/abc\0\0\0\0") == [("/abc", "", ())]
    assert parse_packet(b"/ab\0") == [("/ab", "", ())]


def test_accepts_bytearray_and_memoryview() -> None:
    dgram = encode_message("/m", [1.0, "s"])
    expected = [("/m", "fs", (1.0, "s"))]
    assert parse_packet(bytearray(dgram)) == expected  # type: ignore[arg-type]
    assert parse_packet(memoryview(dgram)) == expected  # type: ignore[arg-type]


def test_special_floats_come_back_as_is() -> None:
    typed = [("f", math.nan), ("f", math.inf), ("f", -math.inf), ("d", math.nan), ("d", -math.inf)]
    ((_, tags, args),) = parse_packet(build("/nan", typed))
    assert tags == "fffdd"
    assert math.isnan(args[0]) and math.isnan(args[3])
    assert args[1] == math.inf and args[2] == -math.inf and args[4] == -math.inf
    # Same through the general (string-bearing) path.
    ((_, _, args),) = parse_packet(build("/nan", [("s", "x"), *typed]))
    assert math.isnan(args[1]) and args[2] == math.inf


def test_float32_rounding() -> None:
    ((_, _, args),) = parse_packet(build("/r", [("f", 0.1), ("f", 1 / 3), ("d", 0.1)]))
    assert args[0] == 0.10000000149011612 != 0.1
    assert args[1] == 0.3333333432674408
    assert args[2] == 0.1  # double stays exact
    assert all(type(a) is float for a in args)


def test_fixed_and_general_paths_agree() -> None:
    tags = "fTciNIhtrmFd"
    values = [
        0.5,
        True,
        "z",
        -7,
        None,
        None,
        -(2**60),
        99,
        0xAABBCCDD,
        b"\x01\x02\x03\x04",
        False,
        0.2,
    ]
    fixed = parse_packet(encode_message("/p", values, tags))
    general = parse_packet(encode_message("/p", [*values, "tail"], tags + "s"))
    assert fixed[0][1] == tags
    expected = (0.5, True, "z", -7, None, math.inf, -(2**60), 99, 0xAABBCCDD, b"\x01\x02\x03\x04")
    assert fixed[0][2] == (*expected, False, 0.2)
    assert general[0][2] == (*fixed[0][2], "tail")
    assert [type(a) for a in general[0][2][:-1]] == [type(a) for a in fixed[0][2]]


def test_impulse_and_char_from_raw_bytes() -> None:
    dgram = b"/i\0\0,Ic\0" + b"\0\0\0\x41"
    assert parse_packet(dgram) == [("/i", "Ic", (math.inf, "A"))]


def test_struct_cache_stays_bounded() -> None:
    codec._STRUCT_CACHE.clear()
    rng = random.Random(7)
    for k in range(2000):
        n = 4 + k % 8
        tags = "".join(rng.choice("fihdTFN") for _ in range(n))
        values = [
            {"f": 0.5, "i": k, "h": -k, "d": 0.125, "T": True, "F": False, "N": None}[t]
            for t in tags
        ]
        assert parse_packet(encode_message("/c", values, tags)) == [("/c", tags, tuple(values))]
        assert len(codec._STRUCT_CACHE) <= codec._MAX_CACHE
    # Invalid tag strings are never cached.
    codec._STRUCT_CACHE.clear()
    for k in range(500):
        with pytest.raises(OSCDecodeError):
            parse_packet(b"/c\0\0," + b"f" * (k % 50) + b"x\0\0\0\0")
    assert len(codec._STRUCT_CACHE) == 0


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (4 - len(b) % 4)


BUNDLE_HEAD = b"#bundle\0" + b"\0" * 8


# name -> (datagram, regex the error message must match)
MALFORMED: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty"),
    "no_leading_slash": (b"foo\0,f\0\0" + struct.pack(">f", 1.0), "neither"),
    "garbage_start": (b"\x00\x00\x00\x00", "neither"),
    "hash_not_bundle": (b"#bundlx\0" + b"\0" * 8, "neither"),
    "unterminated_address": (b"/foo", "unterminated address"),
    "unterminated_address_long": (b"/abcdefg", "unterminated address"),
    "address_padding_truncated": (b"/abcd\0", "padding of address"),
    "address_invalid_utf8": (b"/\xff\xfe\0,\0\0\0", "address is not valid UTF-8"),
    "missing_comma": (b"/foo\0\0\0\0" + struct.pack(">f", 1.0), "missing ','"),
    "unterminated_typetags": (b"/foo\0\0\0\0,fff", "unterminated type tag"),
    "typetag_padding_truncated": (b"/foo\0\0\0\0,fff\0\0", "padding of type tag"),
    "truncated_float": (b"/foo\0\0\0\0,f\0\0\0\x3f\x80", "truncated arguments"),
    "missing_float": (b"/foo\0\0\0\0,ff\0" + struct.pack(">f", 1.0), "truncated arguments"),
    "truncated_double": (b"/foo\0\0\0\0,d\0\0" + struct.pack(">d", 1.0)[:4], "truncated"),
    "truncated_float_general": (_pad(b"/foo") + _pad(b",sf") + _pad(b"hi") + b"\0\0", "truncated"),
    "trailing_bytes": (b"/foo\0\0\0\0,f\0\0" + struct.pack(">ff", 1.0, 2.0), "trailing"),
    "trailing_bytes_general": (
        _pad(b"/foo") + _pad(b",s") + _pad(b"hi") + b"\0\0\0\0",
        "trailing",
    ),
    "unknown_tag_x": (b"/foo\0\0\0\0,x\0\0" + struct.pack(">i", 1), "unknown type tag 'x'"),
    "unknown_tag_after_string": (
        _pad(b"/foo") + _pad(b",sx") + _pad(b"hi") + b"\0\0\0\1",
        "unknown type tag 'x'",
    ),
    "non_ascii_tag": (b"/foo\0\0\0\0,\xe9\0\0", "not ASCII"),
    "array": (_pad(b"/foo") + _pad(b",[ff]") + struct.pack(">ff", 1.0, 2.0), "not supported"),
    "unterminated_string": (_pad(b"/foo") + _pad(b",s") + b"abcd", "unterminated string"),
    "string_padding_truncated": (_pad(b"/foo") + _pad(b",s") + b"abcd\0", "padding of string"),
    "string_invalid_utf8": (_pad(b"/foo") + _pad(b",s") + _pad(b"\xc3\x28"), "UTF-8"),
    "blob_size_truncated": (_pad(b"/foo") + _pad(b",b") + b"\0\0", "blob size"),
    "blob_truncated": (
        _pad(b"/foo") + _pad(b",b") + struct.pack(">i", 8) + b"abcd",
        "truncated blob",
    ),
    "blob_negative_size": (
        _pad(b"/foo") + _pad(b",b") + struct.pack(">i", -4) + b"abcd",
        "negative blob size",
    ),
    "blob_padding_truncated": (
        _pad(b"/foo") + _pad(b",b") + struct.pack(">i", 5) + b"abcde",
        "padding of blob",
    ),
    "bundle_header_truncated": (b"#bundle\0\0\0\0\0", "bundle header"),
    "bundle_element_too_large": (
        BUNDLE_HEAD + struct.pack(">i", 64) + _pad(b"/a") + _pad(b","),
        "overruns",
    ),
    "bundle_element_size_truncated": (BUNDLE_HEAD + b"\0\0", "element size"),
    "bundle_element_negative": (
        BUNDLE_HEAD + struct.pack(">i", -8) + b"/a\0\0,\0\0\0",
        "bad bundle element size",
    ),
    "bundle_element_zero": (BUNDLE_HEAD + struct.pack(">i", 0), "bad bundle element size"),
    "bundle_element_zero_then_message": (
        BUNDLE_HEAD + struct.pack(">i", 0) + b"/a\0\0,\0\0\0",
        "bad bundle element size",
    ),
    "bundle_element_unaligned": (
        BUNDLE_HEAD + struct.pack(">i", 6) + b"/a\0\0,\0\0\0",
        "bad bundle element size",
    ),
    "bundle_element_not_message": (BUNDLE_HEAD + struct.pack(">i", 4) + b"abc\0", "neither"),
    "bundle_element_bad_message": (
        BUNDLE_HEAD + struct.pack(">i", 8) + b"/a\0\0,x\0\0",
        "unknown type tag",
    ),
    "bundle_element_bad_utf8_address": (
        BUNDLE_HEAD + struct.pack(">i", 8) + b"/\xff\0\0,\0\0\0",
        "address is not valid UTF-8",
    ),
    "nested_bundle_header_truncated": (
        BUNDLE_HEAD + struct.pack(">i", 8) + b"#bundle\0",
        "nested bundle header",
    ),
    "nested_bundle_element_overruns_parent": (
        encode_bundle([BUNDLE_HEAD + struct.pack(">i", 16) + _pad(b"/a") + _pad(b",")]),
        "overruns",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_raises_decode_error(name: str) -> None:
    data, match = MALFORMED[name]
    with pytest.raises(OSCDecodeError, match=match) as info:
        parse_packet(data)
    assert isinstance(info.value, ValueError)


def test_array_error_says_unsupported() -> None:
    with pytest.raises(OSCDecodeError, match="arrays"):
        parse_packet(MALFORMED["array"][0])


@pytest.mark.parametrize("bad", [12345, "/foo", None, [1, 2]])
def test_non_bytes_input_raises_decode_error(bad: object) -> None:
    with pytest.raises(OSCDecodeError):
        parse_packet(bad)  # type: ignore[arg-type]


TRUNCATION_SOURCES = {
    "floats": FloatEncoder("/wek/inputs", 8).encode([float(i) for i in range(8)]),
    "mixed": encode_message(
        "/mixed/addr", [1.0, "hello", b"\x01\x02\x03", 7, 2**40, 0.5], "fsbihd"
    ),
    "fixed_consts": encode_message("/k", [1.0, True, None, "c", 3], "fTNci"),
}


@pytest.mark.parametrize("name", sorted(TRUNCATION_SOURCES))
def test_every_truncation_of_a_message_raises(name: str) -> None:
    dgram = TRUNCATION_SOURCES[name]
    address = dgram[: dgram.index(b"\0")].decode()
    address_only = (dgram.index(b"\0") + 4) & ~3
    for k in range(len(dgram)):
        if k == address_only:  # legal old-style message without type tags
            assert parse_packet(dgram[:k]) == [(address, "", ())]
            continue
        with pytest.raises(OSCDecodeError):
            parse_packet(dgram[:k])


def test_every_truncation_of_a_bundle_raises() -> None:
    m1 = TRUNCATION_SOURCES["mixed"]
    m2 = TRUNCATION_SOURCES["floats"]
    nested = encode_bundle([m2])
    dgram = encode_bundle([m1, nested])
    full = parse_packet(dgram)
    # Cutting exactly at an element boundary of the outer bundle is a valid shorter bundle.
    legal = {16: [], 16 + 4 + len(m1): full[:1]}
    for k in range(len(dgram)):
        if k in legal:
            assert parse_packet(dgram[:k]) == legal[k]
            continue
        with pytest.raises(OSCDecodeError):
            parse_packet(dgram[:k])


def _check_one(data: bytes) -> list[codec.Message] | None:
    """Parse; only OSCDecodeError may escape (anything else fails the test)."""
    try:
        return parse_packet(data)
    except OSCDecodeError:
        return None


def _agrees_with_pythonosc(data: bytes, result: list[codec.Message]) -> None:
    """When we accept a plain message with tags python-osc knows, python-osc must agree."""
    if data[:1] != b"/" or len(result) != 1:
        return
    _, tags, args = result[0]
    if not tags or set(tags) - set("fdihsbTFNrm"):
        return
    theirs = osc_message.OscMessage(data).params
    assert len(theirs) == len(args)
    for t, ours, them in zip(tags, args, theirs):
        assert same(ours, normalise(t, them)), (data, ours, them)


def test_fuzz_random_bytes_only_raise_decode_error() -> None:
    rng = random.Random(20240601)
    prefixes = [b"", b"/", b"/wek/inputs\0", b"#bundle\0", b"#bundle\0" + b"\0" * 8]
    for _ in range(3000):
        prefix = rng.choice(prefixes)
        data = prefix + rng.randbytes(rng.randrange(0, 80))
        _check_one(data)


def test_fuzz_mutated_valid_packets() -> None:
    rng = random.Random(4242)
    seeds = [
        *TRUNCATION_SOURCES.values(),
        encode_message("/s", ["abc", b"xyz\0", 1.0], "sbf"),
        encode_bundle([TRUNCATION_SOURCES["floats"], encode_bundle([TRUNCATION_SOURCES["mixed"]])]),
    ]
    alphabet = b"\0,/#fdihsSbTFNIcrmtx[]\xff\x01\x80"
    accepted = 0
    for _ in range(4000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[pos] = rng.choice(alphabet)
            else:
                data[pos] = rng.randrange(256)
        if rng.random() < 0.2:
            del data[rng.randrange(len(data)) :]
        result = _check_one(bytes(data))
        if result is not None:
            accepted += 1
            _agrees_with_pythonosc(bytes(data), result)
    assert accepted > 100  # the oracle comparison actually ran
