"""Decoding OSC datagrams in-process: mapper's codec against python-osc's parser.

    python -m benchmarks.osc_decode [--quick] [--json PATH]

The receive thread decodes every datagram. The usual input frame (every input a float) is
recognised by its exact bytes and unpacked at once (mapper/osc/server.py); everything else
goes through mapper.osc.codec.parse_packet: input frames of ints or doubles (some senders'
only kind), control messages, bundles. Each datagram below is decoded by both parsers, the
decoded values are checked equal, and the time per datagram is the median over batches.
A third column times mapper's codec without its struct cache (each fixed-size message decoded
argument by argument, as strings are): what the cache buys. Printed beside them, in the same
run: the timing loop's own cost (the floor) and the exact-bytes path of the all-float frame.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_packet import OscPacket

from benchmarks import machine
from mapper.osc import codec
from mapper.osc.codec import encode_bundle, encode_message, message_prefix, parse_packet

INPUTS = [0.125 * k for k in range(8)]


def datagrams() -> dict[str, bytes]:
    """The datagrams timed, by name."""
    frame = encode_message("/wek/inputs", INPUTS, "f" * 8)
    return {
        "/wek/inputs 8 ints": encode_message("/wek/inputs", list(range(8)), "i" * 8),
        "/wek/inputs 8 doubles": encode_message("/wek/inputs", INPUTS, "d" * 8),
        "/wek/inputs 8 floats": frame,
        "/wekinator/control/outputs 3 floats": encode_message(
            "/wekinator/control/outputs", [0.5, 0.25, 1.0], "fff"
        ),
        "/mapper/control/setModel 1 knn k 3": encode_message(
            "/mapper/control/setModel", [1, "knn", "k", 3], "issi"
        ),
        "bundle of 10 /wek/inputs (8 floats)": encode_bundle([frame] * 10),
    }


def ours(data: bytes) -> list[tuple[str, list[Any]]]:
    return [(address, list(args)) for address, _, args in parse_packet(data)]


@contextmanager
def without_struct_cache(data: bytes) -> Iterator[None]:
    """Every type-tag string of `data` decoded by the per-argument loop (as if it held a
    string): the codec's cache entry for it says 'no struct'. The cache is emptied after."""
    codec._STRUCT_CACHE.clear()
    for _, tags, _ in parse_packet(data):
        codec._STRUCT_CACHE[tags.encode()] = (tags, None, None)
    try:
        yield
    finally:
        codec._STRUCT_CACHE.clear()


def pythonosc(data: bytes) -> list[tuple[str, list[Any]]]:
    """python-osc's parser as a replacement would call it (a message directly, else a packet)."""
    if data[:1] == b"/":
        message = OscMessage(data)
        return [(message.address, message.params)]
    return [(t.message.address, t.message.params) for t in OscPacket(data).messages]


def batch_us(decode: Callable[[bytes], object], data: bytes, batch: int) -> float:
    """The mean time of one call in a batch of `batch` calls, in µs."""
    start = time.perf_counter_ns()
    for _ in range(batch):
        decode(data)
    return (time.perf_counter_ns() - start) / batch / 1000


def median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def run(quick: bool = False) -> dict[str, Any]:
    """µs per datagram for each parser, the floor, and whether both decode the same values.
    The parsers' batches alternate, so a change in the machine's load touches them alike."""
    batch, batches = (200, 5) if quick else (2000, 25)
    frame = datagrams()["/wek/inputs 8 floats"]
    prefix = len(message_prefix("/wek/inputs", "f" * 8))
    floats = struct.Struct(">8f")

    def exact_bytes(data: bytes) -> object:  # what the server does for the all-float frame
        return floats.unpack_from(data, prefix)

    def nothing(data: bytes) -> None:
        return None

    floor, exact = [], []
    for _ in range(batches):
        floor.append(batch_us(nothing, frame, batch))
        exact.append(batch_us(exact_bytes, frame, batch))
    out: dict[str, Any] = {
        "floor_us": median(floor),
        "exact_bytes_us": median(exact),
        "batch": batch,
        "batches": batches,
        "datagrams": {},
    }
    for name, data in datagrams().items():
        with without_struct_cache(data):
            same = ours(data) == pythonosc(data)
        same = same and ours(data) == pythonosc(data)
        times: dict[str, list[float]] = {"mapper": [], "no cache": [], "python-osc": []}
        for _ in range(batches):
            times["mapper"].append(batch_us(parse_packet, data, batch))
            with without_struct_cache(data):
                times["no cache"].append(batch_us(parse_packet, data, batch))
            times["python-osc"].append(batch_us(pythonosc, data, batch))
        out["datagrams"][name] = {
            "bytes": len(data),
            "mapper_us": median(times["mapper"]),
            "mapper_per_argument_us": median(times["no cache"]),
            "python_osc_us": median(times["python-osc"]),
            "same_values": same,
        }
    return out


def print_table(r: dict[str, Any]) -> None:
    print(f"\nOSC decoding in-process, µs per datagram (median of {r['batches']} batches of "
          f"{r['batch']})")  # fmt: skip
    print(f"  the floor (a call that does nothing): {r['floor_us']:.2f} µs; the all-float frame "
          f"by its exact bytes (the server's path): {r['exact_bytes_us']:.2f} µs")  # fmt: skip
    print(f"  {'datagram':38} {'bytes':>5} {'mapper':>7} {'no cache':>9} {'python-osc':>11} "
          f"{'ratio':>6}  same values")  # fmt: skip
    for name, d in r["datagrams"].items():
        ratio = d["python_osc_us"] / d["mapper_us"]
        print(f"  {name:38} {d['bytes']:>5} {d['mapper_us']:>7.2f} "
              f"{d['mapper_per_argument_us']:>9.2f} {d['python_osc_us']:>11.2f} {ratio:>5.1f}x  "
              f"{'yes' if d['same_values'] else 'NO'}")  # fmt: skip
    print(
        "  ratio: python-osc's time over mapper's; no cache: mapper decoding argument by argument"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few samples")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    m = machine.describe()
    print(f"machine: {m['cores']} cores, {m['cpu']}, Python {m['python']}, load {machine.load()}")
    r = run(args.quick)
    print_table(r)
    print(f"load after: {machine.load()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": m, "osc": r}, f, indent=2)
    return 0 if all(d["same_values"] for d in r["datagrams"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
