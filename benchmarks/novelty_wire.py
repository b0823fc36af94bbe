"""The novelty section's round trip: a real `mapper headless` over loopback UDP, 8 inputs x 3
outputs x 1,000 examples (the default MLP, then kNN k=5), taught over OSC as the suite's round
trip teaches it, and a paced stream (200 frames a second) from this process, with novelty off
(`/mapper/control/disableNovelty`: each frame answered by `/wek/outputs`) and on
(`enableNovelty`: `/wek/outputs`, then `/mapper/novelty f`), beside two bare UDP echoes
(benchmarks/floor.py's) running at the same time: one answers each datagram once (the floor of
/wek/outputs), the other twice (the floor of an answer in two datagrams). The four take turns
in blocks (their order rotating each round) so that all see the same drift of the machine;
each block starts with a few untimed frames. Every frame waits for its whole answer before the
next is due. The added medians come with a 95 % bootstrap interval over rounds.

On, two round trips are timed: to `/wek/outputs` (what novelty delays for every listener) and
to `/mapper/novelty` (the whole answer). The novelty values the instrument sends are checked
against an in-process engine that learned the same examples (rounded to float32 as the wire
carries them)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchmarks.client import Client, Pace, summary
from benchmarks.floor import ECHO
from benchmarks.instrument_under_test import proc_status
from benchmarks.novelty_cost import INPUTS, NOVELTY, OUTPUTS
from benchmarks.peers import MapperPeer, stop
from benchmarks.tasks import TEST_SEED, examples
from mapper.core.engine import Engine
from mapper.core.outputs import Output
from mapper.osc.codec import OSCDecodeError, encode_message, parse_packet

MODELS = {"mlp (default)": ("mlp",), "knn k=5": ("knn", "k", 5)}
OURS = "/mapper/control/"
WEK_OUTPUTS = "/wek/outputs"
RATE = 200.0
ANSWER_TIMEOUT = 1.0
UNTIMED = 5  # frames at the start of each block
GIVE_UP_AFTER = 20  # frames in a row without their whole answer
CONDITIONS = ("off", "on", "floor", "floor2")  # floor2: an echo answering twice
# the floor for an answer of two datagrams: the echo sends each datagram back twice
ECHO_TWICE = ECHO.replace(
    "s.sendto(s.recv(65536), back)",
    "d = s.recv(65536)\n    s.sendto(d, back)\n    s.sendto(d, back)",
)
assert ECHO_TWICE != ECHO
TIMED = ("off", "on", "on_whole", "floor", "floor2", "floor2_whole")


class Stream:
    """Frames at a steady rate, one at a time, each awaiting its whole answer."""

    def __init__(self, client: Client, rate: float) -> None:
        self.client, self.pace = client, Pace(rate)
        self.lost_in_a_row = 0

    def frame(self, datagram: bytes, expect: Sequence[str]) -> dict[str, tuple]:
        """Send at the due time; {address: (µs after sending, arguments)} for each expected
        address that came within ANSWER_TIMEOUT. An echo's answers are named by their place:
        "echo 1", "echo 2" (whatever they hold). Between datagrams only the address is read
        (the bytes before the first NUL); the arguments are decoded once all are in."""
        c, clock = self.client, time.perf_counter
        t0 = self.pace.next()
        c.tx.sendto(datagram, c.dest)
        arrived: dict[str, tuple[float, bytes]] = {}
        echo = expect[0].startswith("echo")
        deadline = t0 + ANSWER_TIMEOUT
        while len(arrived) < len(expect) and (left := deadline - clock()) > 0:
            c.rx.settimeout(left)
            try:
                data = c.rx.recv(65536)
            except TimeoutError:
                break
            t1 = clock()
            name = f"echo {len(arrived) + 1}" if echo else data[: data.find(b"\0")].decode()
            if name in expect and name not in arrived:
                arrived[name] = ((t1 - t0) * 1e6, data)
        got = {name: (us, () if echo else _args(data)) for name, (us, data) in arrived.items()}
        self.lost_in_a_row = 0 if len(got) == len(expect) else self.lost_in_a_row + 1
        if self.lost_in_a_row >= GIVE_UP_AFTER:
            raise RuntimeError(f"{GIVE_UP_AFTER} frames in a row got no whole answer")
        return got


def _args(data: bytes) -> tuple[Any, ...]:
    try:
        return tuple(parse_packet(data)[0][2])
    except (OSCDecodeError, IndexError):
        return ()


def wait_idle(pid: int, quiet: float = 0.01, limit: float = 60.0) -> float:
    """Wait until the process uses under `quiet` of a CPU over half a second (its MLPs'
    ensembles fitted in the background), at most `limit` s; the seconds waited."""
    t0 = time.monotonic()
    last = proc_status(pid)
    while last is not None and time.monotonic() - t0 < limit:
        time.sleep(0.5)
        now = proc_status(pid)
        if now is None or now["cpu_s"] - last["cpu_s"] < quiet * 0.5:
            break
        last = now
    return time.monotonic() - t0


def round_trip(
    n_examples: int, frames: int, block: int, rate: float, log: Callable[[str], None]
) -> dict[str, Any]:
    """Per model: off, on and the two floors, `frames` timed frames each, in blocks of `block`."""
    X, y = examples("regression", n_examples, INPUTS)
    X_test, _ = examples("regression", 500, INPUTS, seed=TEST_SEED)
    datagrams = [encode_message("/wek/inputs", x) for x in X_test.tolist()]
    out: dict[str, Any] = {"rate": rate, "frames": frames, "block": block, "examples": n_examples}
    for name, model in MODELS.items():
        log(f"  novelty: round trip through mapper headless, {name}")
        client = Client()
        try:
            peer = MapperPeer(client, INPUTS, OUTPUTS, "continuous")
            try:
                peer.teach(model, X, y)
                row: dict[str, Any] = {"idle_wait_s": wait_idle(peer.proc.pid)}
                row.update(_measure(client, peer.dest, datagrams, frames, block, rate))
            except (RuntimeError, OSError) as e:  # TimeoutError is an OSError
                row = {"skipped": f"{type(e).__name__}: {e}\n{peer.stderr()}".strip()}
            finally:
                peer.close()
        except (RuntimeError, OSError) as e:  # it did not start
            row = {"skipped": f"{type(e).__name__}: {e}"}
        finally:
            client.close()
        if "wire_novelty" in row:
            row["wire_vs_in_process"] = _agreement(X, X_test, row.pop("wire_novelty"))
        out[name] = row
    return out


def _echo(client: Client, times: int) -> tuple[subprocess.Popen[str], tuple[str, int]]:
    """A bare UDP echo (benchmarks/floor.py's) answering each datagram `times` times."""
    script = ECHO if times == 1 else ECHO_TWICE
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(client.port)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    try:
        return proc, ("127.0.0.1", int(proc.stdout.readline()))
    except ValueError:
        stop(proc)
        raise RuntimeError("the UDP echo did not start") from None


def _measure(
    client: Client,
    mapper: tuple[str, int],
    datagrams: Sequence[bytes],
    frames: int,
    block: int,
    rate: float,
) -> dict[str, Any]:
    expect = {
        "off": (WEK_OUTPUTS,),
        "on": (WEK_OUTPUTS, NOVELTY),
        "floor": ("echo 1",),
        "floor2": ("echo 1", "echo 2"),
    }
    echoes: list[tuple[subprocess.Popen[str], tuple[str, int]]] = []
    try:
        for times_back in (1, 2):
            echoes.append(_echo(client, times_back))
        dest = {"off": mapper, "on": mapper, "floor": echoes[0][1], "floor2": echoes[1][1]}
        stream = Stream(client, rate)
        client.dest = mapper
        client.send(OURS + "enableNovelty")
        probe = stream.frame(datagrams[0], expect["on"])
        if NOVELTY not in probe:
            return {"skipped": f"mapper headless sent no {NOVELTY} after enableNovelty"}
        # per round, per condition: that round's block of round trips (µs)
        blocks: dict[str, list[list[float]]] = {key: [] for key in TIMED}
        lost = dict.fromkeys(CONDITIONS, 0)
        wire: list[tuple[int, float]] = []
        k = 0
        for r in range(max(1, -(-frames // block))):
            turn = r % len(CONDITIONS)
            for key in TIMED:
                blocks[key].append([])
            for condition in CONDITIONS[turn:] + CONDITIONS[:turn]:
                client.dest = dest[condition]
                if condition in ("on", "off"):
                    client.send(OURS + ("enableNovelty" if condition == "on" else "disableNovelty"))
                client.drain(quiet=0.02)
                for i in range(UNTIMED + block):
                    k += 1
                    got = stream.frame(datagrams[k % len(datagrams)], expect[condition])
                    if i < UNTIMED:
                        continue
                    if len(got) < len(expect[condition]):
                        lost[condition] += 1
                        continue
                    first, last = expect[condition][0], expect[condition][-1]
                    blocks[condition][-1].append(got[first][0])
                    if len(expect[condition]) > 1:
                        blocks[condition + "_whole"][-1].append(got[last][0])
                    if condition == "on" and got[NOVELTY][1]:
                        wire.append((k % len(datagrams), float(got[NOVELTY][1][0])))
        client.dest = mapper
        client.send(OURS + "disableNovelty")
    finally:
        for proc, _ in echoes:
            stop(proc)
            if proc.stdout is not None:
                proc.stdout.close()
    row: dict[str, Any] = {key: summary([t for blk in b for t in blk]) for key, b in blocks.items()}
    row["lost"] = lost
    off = row["off"]["median_us"]
    for key in ("on", "on_whole"):
        row[f"added_{key}_median_us"] = row[key]["median_us"] - off
        row[f"added_{key}_ci95_us"] = _interval(blocks[key], blocks["off"])
    for key, floor in (("off", "floor"), ("on", "floor"), ("on_whole", "floor2_whole")):
        row[f"{key}_over_floor_median_us"] = row[key]["median_us"] - row[floor]["median_us"]
    row["wire_novelty"] = wire
    return row


def _interval(on: list[list[float]], off: list[list[float]], draws: int = 1000) -> list[float]:
    """A 95 % bootstrap interval (seeded) of median(on) - median(off), in µs, drawing whole
    rounds (each round's on and off blocks together, as they were timed, a second or two
    apart): how far the difference could move with the machine's drift from block to block."""
    rounds = len(on)
    if not any(on) or not any(off):
        return [float("nan"), float("nan")]
    rng = np.random.default_rng(0)
    a_blocks = [np.asarray(b, dtype=np.float64) for b in on]
    b_blocks = [np.asarray(b, dtype=np.float64) for b in off]
    diffs = []
    for _ in range(draws):
        picked = rng.integers(rounds, size=rounds)
        a = np.concatenate([a_blocks[r] for r in picked])
        b = np.concatenate([b_blocks[r] for r in picked])
        if len(a) and len(b):
            diffs.append(float(np.median(a)) - float(np.median(b)))
    return [float(np.quantile(diffs, 0.025)), float(np.quantile(diffs, 0.975))]


def _agreement(X: np.ndarray, X_test: np.ndarray, wire: list[tuple[int, float]]) -> dict:
    """The largest gap between the novelty sent and an in-process engine's, on the same
    float32-rounded examples and frames (relative to the value, the wire carrying float32)."""
    if not wire:
        return {"frames": 0}
    X32 = X.astype(np.float32).astype(np.float64)
    engine = Engine([f"in{k + 1}" for k in range(INPUTS)], [Output("out1", model={"type": "knn"})])
    engine.start_recording()
    for x in X32.tolist():
        engine.process_frame(x)
    engine.stop_recording()
    engine.train()
    engine.wait_for_training(120)
    frames = X_test.astype(np.float32).astype(np.float64)
    gaps = []
    for i, value in wire[:500]:
        expected, _ = engine.novelty(frames[i].tolist())
        gaps.append(abs(value - (expected or 0.0)) / max(abs(expected or 0.0), 1e-9))
    return {"frames": len(gaps), "largest_relative_gap": float(max(gaps))}
