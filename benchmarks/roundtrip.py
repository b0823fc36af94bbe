"""Round trip and sustained rate: mapper and the naive peer, side by side, in the same run.

For each scenario (8 inputs, 3 outputs, 1,000 examples by default) both peers learn the same
examples; then the same client sends them the same frames, first one at a time (round trip:
one `/wek/inputs` in, one `/wek/outputs` back, timed), back to back (each frame as soon as the
last answer is in) and paced as a sensor sends (200 frames a second), then as paced streams of
rising rate (sustained rate: the highest rate at which every frame is answered). The answers
are checked against the truth, so quality sits next to speed. A last mapper-only row times the
MLP while a long training runs in the background.

Before each scenario the floor (benchmarks/floor.py: a bare Python UDP echo, the same client)
is measured both ways, so every peer's overhead above the floor (its median less the echo's)
and the naive peer's overhead over mapper's come from the same minute of the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks import floor
from benchmarks.client import Client, Pace, summary
from benchmarks.peers import MapperPeer, NaivePeer, Peer
from benchmarks.tasks import TEST_SEED, examples, quality
from mapper.osc.codec import encode_message


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # mapper's output type
    model: tuple[object, ...]  # mapper's setModel arguments
    naive: str  # the naive peer's model
    task: str


SCENARIOS = (
    Scenario("knn k=5 regression", "continuous", ("knn", "k", 5), "knn5", "regression"),
    Scenario("knn k=1 classifier", "classifier", ("knn", "k", 1), "knn1", "classification"),
    Scenario("mlp regression (default)", "continuous", ("mlp",), "mlp", "regression"),
)
LONG_TRAINING = ("mlp", "hidden", 64, "max_iter", 100_000)  # would take minutes: cancelled
TEST_FRAMES = 500


@dataclass(frozen=True)
class Settings:
    inputs: int = 8
    outputs: int = 3
    examples: int = 1000
    frames: int = 5000  # timed round trips per peer and scenario
    warmup: int = 500
    rates: Sequence[float] = (1000, 2000, 5000, 10_000, 20_000)
    seconds: float = 2.0  # per rate
    while_training: bool = True
    paced_rate: float = 200.0  # frames a second, as a sensor sends them
    paced_frames: int = 1000  # timed paced round trips per peer and scenario (5 s at 200/s)
    paced_warmup: int = 50


def run(settings: Settings, log: Any = print) -> dict[str, Any]:
    """Every scenario against both peers; returns {"roundtrip": ..., "sustained": ...}."""
    roundtrip: dict[str, Any] = {}
    sustained: dict[str, Any] = {}
    for sc in SCENARIOS:
        X_test, y_test = examples(sc.task, TEST_FRAMES, settings.inputs, seed=TEST_SEED)
        frames = [encode_message("/wek/inputs", x) for x in X_test.tolist()]
        log(f"  {sc.name}: floor")
        row: dict[str, Any] = {"floor": floors(settings)}
        rates: dict[str, Any] = {}
        for peer_name in ("mapper", "naive peer"):
            log(f"  {sc.name}: {peer_name}")
            client = Client()
            try:
                with _start(peer_name, sc, client, settings) as peer:
                    row[peer_name] = _round_trip(peer, settings, sc.task, y_test, frames)
                    rates[peer_name] = sweep(client, frames, settings)
            finally:
                client.close()
        row["ratio"] = row["naive peer"]["median_us"] / row["mapper"]["median_us"]
        add_overheads(row)
        roundtrip[sc.name] = row
        sustained[sc.name] = rates
    if settings.while_training:
        sc = SCENARIOS[2]
        log("  mlp while training: mapper")
        X_test, y_test = examples(sc.task, TEST_FRAMES, settings.inputs, seed=TEST_SEED)
        frames = [encode_message("/wek/inputs", x) for x in X_test.tolist()]
        client = Client()
        try:
            with _start("mapper", sc, client, settings) as peer:
                for j in range(1, settings.outputs + 1):
                    client.send("/mapper/control/setModel", [j, *LONG_TRAINING])
                client.send("/wekinator/control/train")
                result = _round_trip(peer, settings, sc.task, y_test, frames)
                client.send("/wekinator/control/cancelTrain")
            # the floor measured before the MLP scenario, a minute ago
            row = {"floor": roundtrip[sc.name]["floor"], "mapper": result}
            add_overheads(row)
            roundtrip["mlp while training"] = row
        finally:
            client.close()
    return {"roundtrip": roundtrip, "sustained": sustained}


def _start(peer_name: str, sc: Scenario, client: Client, settings: Settings) -> Peer:
    """A ready peer that has learned the scenario's examples and is running."""
    X, y = examples(sc.task, settings.examples, settings.inputs)
    if peer_name == "naive peer":
        return NaivePeer(client, sc.naive, settings.examples, settings.inputs, settings.outputs)
    peer = MapperPeer(client, settings.inputs, settings.outputs, sc.kind)
    try:
        peer.teach(sc.model, X, y)
    except Exception as e:
        err = peer.stderr()
        peer.close()
        raise RuntimeError(f"{e}\n{err}") from None
    return peer


def floors(settings: Settings) -> dict[str, Any]:
    """The bare echo's round trips now, back to back and paced, as the peers are timed."""
    s = settings
    return {
        "back_to_back": floor.run(s.frames, s.warmup, s.inputs),
        "paced": floor.run(s.paced_frames, s.paced_warmup, s.inputs, rate=s.paced_rate),
    }


def overhead_ratio(naive_us: float, mapper_us: float) -> float | None:
    """The naive peer's overhead above the floor over mapper's; None where mapper's is not
    above the floor (no ratio to tell)."""
    return naive_us / mapper_us if mapper_us > 0 else None


def add_overheads(row: dict[str, Any]) -> None:
    """Each peer's overhead above the row's floor (median less the echo's median, and p99
    less the echo's p99), back to back and paced, and the naive/mapper ratio of each."""
    for peer in ("mapper", "naive peer"):
        if peer not in row:
            continue
        for result, way in ((row[peer], "back_to_back"), (row[peer].get("paced"), "paced")):
            if result is not None:
                f = row["floor"][way]
                result["overhead_us"] = result["median_us"] - f["median_us"]
                result["overhead_p99_us"] = result["p99_us"] - f["p99_us"]
    if "naive peer" in row:
        m, n = row["mapper"], row["naive peer"]
        row["overhead_ratio"] = overhead_ratio(n["overhead_us"], m["overhead_us"])
        row["paced_overhead_ratio"] = overhead_ratio(
            n["paced"]["overhead_us"], m["paced"]["overhead_us"]
        )


def _round_trip(
    peer: Peer, settings: Settings, task: str, truth: np.ndarray, frames: Sequence[bytes]
) -> dict[str, Any]:
    """Back to back (the figures at the top level), then paced (under "paced")."""
    result = _timed(peer.client, frames, settings.frames, settings.warmup, None, task, truth)
    pace = Pace(settings.paced_rate)
    paced = _timed(peer.client, frames, settings.paced_frames, settings.paced_warmup, pace, task,
                   truth)  # fmt: skip
    result["paced"] = {**paced, "rate": settings.paced_rate}
    return result


def _timed(
    client: Client,
    frames: Sequence[bytes],
    count: int,
    warmup: int,
    pace: Pace | None,
    task: str,
    truth: np.ndarray,
) -> dict[str, Any]:
    times, answers, lost = client.latency(frames, count, warmup, pace=pace)
    got = [(i, args) for i, address, args in answers if address == "/wek/outputs"]
    result: dict[str, Any] = summary(times)
    result["frames"] = count
    result["lost"] = lost
    result["wrong_address"] = len(answers) - len(got)
    if got:
        predicted = np.array([args[j] for _, args in got for j in range(len(args))])
        expected = np.repeat(truth[[i for i, _ in got]], [len(args) for _, args in got])
        result["quality"], result["quality_value"] = quality(task, predicted, expected)
    return result


def sweep(client: Client, frames: Sequence[bytes], settings: Settings) -> dict[str, Any]:
    """Rising rates until one loses a frame (each rate gets a second try, the machine being
    shared); `highest_lossless` is the highest rate at which every frame was answered."""
    tried: list[dict[str, float]] = []
    highest = 0.0
    for rate in settings.rates:
        client.drain()
        result = client.stream(frames, rate, settings.seconds)
        result["attempts"] = 1
        if result["lost"]:
            client.drain(quiet=0.5)
            result = client.stream(frames, rate, settings.seconds)
            result["attempts"] = 2
        tried.append(result)
        if result["lost"]:
            break
        highest = rate
    client.drain(quiet=0.3)
    return {"highest_lossless": highest, "tried": tried}
