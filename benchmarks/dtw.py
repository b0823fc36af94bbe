"""The DTW section: temporal gestures (mapper.models.dtw) on real recorded gestures, against
offline 1-nearest-neighbour DTW, and what matching costs per frame.

    python -m benchmarks.dtw [--quick] [--rate 500] [--json PATH] [--setup]
    python -m benchmarks --only dtw

Quality. Labelled gesture and motion datasets that aeon's wheel bundles (benchmarks/
dtw_reference.py lists them; hand motion, a smartwatch's accelerometer and gyroscope, a Wii
remote's accelerometer, spoken vowels) are taught to a real `mapper headless --type dtw` over
loopback UDP: every training series is one take of its class (classes are gestures 1..K).
Then each test series is performed: startRunning, its frames one /wek/inputs each (all its
dimensions), paced at `--rate` frames a second; the gesture with the lowest cost in the last
/wek/outputs is the answer. Its accuracy is printed beside our in-process Spotter on the same
split (the same decision: the wire adds nothing), beside the Wekinator-default variant (every
series kept one frame in f, f = the longest training series // 10, as Wekinator's
DOWNSAMPLE_TO_MAX_LENGTH 10 does; in-process), and beside offline 1-NN DTW computed by aeon
on the same split. aeon pins numpy, scipy and scikit-learn below mapper's, so it lives in its
own virtual environment, .venv-bench (`make bench-dtw-setup`, or made by a full run of this
section when it is missing), which writes the datasets and the reference's answers to
.venv-bench/dtw-data; this process reads them.

The match threshold. The winning cost of the test series classified right (at their last
frame) and each take's own cost (against the other takes of its gesture, itself left out),
against the lowest cost reached on input that is no gesture of the set: the test series of a
class left out of the set (real motion it was not taught), and noise streams at the training
frames' own mean and spread per dimension (white; smooth: a wandering sensor; still: holding
the pose a take starts from). Costs are in units of the examples' spread (mapper.models.dtw);
each candidate threshold is tried as such (fixed) and as a multiple of the set's median own
cost (relative), and the share matched right is weighed against the share of white-noise
streams matched.

Cost. In-process time per frame of Spotter.step and of Gestures.step (the engine's call: the
match logic on top) for 10 gestures x 5 takes x 100 frames x 8 inputs, BLAS on one thread,
back to back and (Gestures.step) paced at 200 frames a second, idle between frames as the
instrument is; and the round trip per frame of that same set through `mapper headless`, paced
at 200 frames a second, beside a bare UDP echo (benchmarks/floor.py's) paced alike in the same
run.

--quick (the test's and the suite's smoke run): a handful of test series per dataset, few
timed frames; without .venv-bench it never installs anything: it streams a small synthetic set
instead (no reference), so the wire is still exercised.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import machine
from benchmarks.client import Client, summary
from benchmarks.floor import ECHO
from benchmarks.peers import Peer, mapper_command
from mapper.osc.codec import OSCDecodeError, encode_message, parse_packet

ROOT = Path(__file__).resolve().parents[1]
BENCH_VENV = ROOT / ".venv-bench"  # ignored by git: it holds a .gitignore of its own
DATA = BENCH_VENV / "dtw-data"
REFERENCE_SCRIPT = Path(__file__).with_name("dtw_reference.py")
AEON = "aeon==1.3.0"
OUTPUTS = "/wek/outputs"
WEK = "/wekinator/control/"
RATE = 500.0  # frames a second while a test series is performed (a performer's sensor)
COST_RATE = 200.0  # the round trip of the 10 x 5 x 100 x 8 set
COST_SET = (10, 5, 100, 8)  # gestures, takes each, frames a take, inputs
WEKINATOR_MAX_LENGTH = 10  # Wekinator's DEFAULT_DOWNSAMPLE_MAX_LENGTH
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)  # in the examples' spread
RELATIVE = (0.75, 1.0, 1.25, 1.5, 2.0, 3.0)  # times the median of the takes' own costs
NOISES = ("noise", "smooth noise", "still")
KINDS = ("unknown", *NOISES)  # the non-gestures
SCORED = "noise"  # the suggestion weighs right matches against matches on white noise
NOISE_STREAMS = 10
OWN_TAKES = 60  # takes whose own cost is measured (each with itself left out of the set)
QUICK_SERIES = 6  # test series per dataset in --quick
ANSWER_TIMEOUT = 1.0  # seconds for one frame's /wek/outputs
GIVE_UP_AFTER = 20  # frames in a row without an answer: the instrument is gone
GOAL_GAP = 0.05  # accuracy over UDP within this of the reference
GOAL_STEP_US = 200.0  # Gestures.step, 10 x 5 x 100 x 8, one core
GOAL_ROUND_TRIP_US = 1000.0
Log = Callable[[str], None]


# ---- the data ---------------------------------------------------------------------------


@dataclass
class Dataset:
    name: str
    about: str
    train: list[np.ndarray]  # (frames, dims) each
    train_labels: np.ndarray  # 0-based gesture
    test: list[np.ndarray]
    test_labels: np.ndarray
    classes: list[str]
    reference: np.ndarray | None  # the reference's class per test series, or None

    @property
    def dims(self) -> int:
        return int(self.train[0].shape[1])

    @property
    def gestures(self) -> int:
        return len(self.classes)

    def describe(self) -> dict[str, Any]:
        def span(series: list[np.ndarray]) -> list[int]:
            return [min(map(len, series)), max(map(len, series))]

        return {
            "about": self.about,
            "train": len(self.train),
            "test": len(self.test),
            "dims": self.dims,
            "classes": self.gestures,
            "train_lengths": span(self.train),
            "test_lengths": span(self.test),
        }


def _split(frames: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    return np.split(frames, np.cumsum(lengths)[:-1])


def load(folder: Path = DATA) -> tuple[dict[str, Any], list[Dataset]]:
    """reference.json and every dataset it lists (FileNotFoundError when not written yet)."""
    meta = json.loads((folder / "reference.json").read_text())
    out = []
    for name, row in meta["datasets"].items():
        with np.load(folder / f"{name}.npz", allow_pickle=False) as z:
            out.append(
                Dataset(
                    name,
                    row["about"],
                    _split(z["train_frames"], z["train_lengths"]),
                    z["train_labels"],
                    _split(z["test_frames"], z["test_lengths"]),
                    z["test_labels"],
                    [str(c) for c in z["classes"]],
                    z["reference"],
                )
            )
    return meta, out


def setup(log: Log) -> str | None:
    """Make .venv-bench (aeon) where it is missing, then write the datasets and the
    reference's answers to .venv-bench/dtw-data. None when done, else why not."""
    python = BENCH_VENV / "bin" / "python"
    steps: list[tuple[str, list[str], float]] = []
    if not (BENCH_VENV / ".installed").exists():
        steps += [
            ("making .venv-bench", [sys.executable, "-m", "venv", str(BENCH_VENV)], 300),
            (
                f"installing {AEON} into .venv-bench",
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    AEON,
                ],
                1200,
            ),
        ]
    steps.append(
        (
            "1-NN DTW with aeon on each dataset",
            [str(python), str(REFERENCE_SCRIPT), "--out", str(DATA)],
            900,
        )
    )
    for what, cmd, timeout in steps:
        log(f"  dtw: {what}")
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError) as e:
            return f"{what} failed: {e}"
        if done.returncode:
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            return f"{what} failed: {why[0]}"
        if cmd[1:3] == ["-m", "venv"]:
            (BENCH_VENV / ".gitignore").write_text("# made by benchmarks/dtw.py\n*\n")
        elif "pip" in cmd:
            (BENCH_VENV / ".installed").write_text(AEON + "\n")
    return None


def synthetic(seed: int = 0) -> Dataset:
    """Four 2-D shapes (circle, line, zigzag, figure eight), taken at different speeds with a
    wobble: the quick run's data where the reference side is not set up."""
    rng = np.random.default_rng(seed)

    def shape(k: int, n: int) -> np.ndarray:
        t = np.linspace(0, 1, n)
        xy = [
            (np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)),
            (2 * t - 1, 2 * t - 1),
            (2 * t - 1, np.sign(np.sin(6 * np.pi * t))),
            (np.sin(2 * np.pi * t), np.sin(4 * np.pi * t)),
        ][k]
        return np.stack(xy, 1) + rng.normal(0, 0.05, (n, 2))

    def takes(each: int) -> tuple[list[np.ndarray], np.ndarray]:
        series = [(k, shape(k, int(rng.integers(24, 40)))) for k in range(4) for _ in range(each)]
        return [s for _, s in series], np.array([k for k, _ in series])

    train, train_labels = takes(3)
    test, test_labels = takes(2)
    about = "synthetic 2-D shapes (no reference: `make bench-dtw-setup` for the real datasets)"
    names = ["circle", "line", "zigzag", "figure eight"]
    return Dataset("synthetic", about, train, train_labels, test, test_labels, names, None)


def quick_subset(d: Dataset, n: int) -> Dataset:
    """The first test series of each class in turn, n in all; every training series."""
    picked = _order(d.test_labels, n)
    ref = None if d.reference is None else d.reference[picked]
    return Dataset(
        d.name,
        d.about,
        d.train,
        d.train_labels,
        [d.test[i] for i in picked],
        d.test_labels[picked],
        d.classes,
        ref,
    )


def downsample_factor(train: Sequence[np.ndarray]) -> int:
    """Wekinator's DOWNSAMPLE_TO_MAX_LENGTH: keep one frame in longest // 10 (at least 1)."""
    return max(1, max(map(len, train)) // WEKINATOR_MAX_LENGTH)


# ---- in process -------------------------------------------------------------------------


def spotter(train: Sequence[np.ndarray], labels: Sequence[int] | np.ndarray, gestures: int) -> Any:
    """A Spotter as mapper.core.gestures builds one: every take, scaled by their spread."""
    from mapper.models.dtw import Spotter, spread

    return Spotter(list(zip([int(k) for k in labels], train)), gestures, None, spread(train))


def perform(sp: Any, series: np.ndarray) -> tuple[np.ndarray, float, list[float]]:
    """Stream one series after a reset: (the last frame's costs, the lowest best cost over its
    frames, every frame's best cost while some gesture could be reached)."""
    from mapper.models.dtw import NO_MATCH

    sp.reset()
    costs = np.full(sp.gestures, NO_MATCH)
    bests: list[float] = []
    for frame in series:
        costs, _ = sp.step(frame)
        best = float(costs.min())
        if best < NO_MATCH:
            bests.append(best)
    return costs, min(bests, default=float(NO_MATCH)), bests


def classify(
    train: Sequence[np.ndarray], labels: np.ndarray, test: Sequence[np.ndarray], gestures: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each test series' decision (lowest last cost) and that cost, in-process."""
    sp = spotter(train, labels, gestures)
    decided, cost = [], []
    for series in test:
        last, _, _ = perform(sp, series)
        decided.append(int(np.argmin(last)))
        cost.append(float(last.min()))
    return np.array(decided), np.array(cost)


# ---- over UDP, through a real `mapper headless` -----------------------------------------


class Instrument(Peer):
    """`mapper headless --type dtw --gestures K`, no project folder, outputs to `client`."""

    name = "mapper"

    def __init__(self, client: Client, inputs: int, gestures: int) -> None:
        cmd = [
            *mapper_command(),
            "headless",
            "--quiet",
            "--listen",
            "127.0.0.1:0",
            "--send",
            f"127.0.0.1:{client.port}",
            "--inputs",
            str(inputs),
            "--type",
            "dtw",
            "--gestures",
            str(gestures),
        ]
        super().__init__(cmd, client)

    def __enter__(self) -> Instrument:
        return self

    def teach(self, takes: Sequence[tuple[int, np.ndarray]]) -> None:
        """One take per (0-based gesture, frames): startDtwRecording k, the frames,
        stopDtwRecording; then a round trip (train -> done-training) so that every take is in
        before the next (the receive thread handles datagrams in order)."""
        c = self.client
        for k, frames in takes:
            c.send(WEK + "startDtwRecording", [int(k) + 1])
            for frame in frames.tolist():
                c.tx.sendto(encode_message("/wek/inputs", frame), c.dest)
            c.send(WEK + "stopDtwRecording")
            c.send(WEK + "train")
            c.wait_for("/wekinator/status/done-training", 10.0)

    def takes_held(self) -> int | None:
        """Stop it; the takes it says it held ('..., N gesture takes were not saved')."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        assert self.proc.stdout is not None
        for line in self.proc.stdout.read().splitlines():
            words = line.replace(",", " ").split()
            if "gesture" in words and words.index("gesture") > 0:
                number = words[words.index("gesture") - 1]
                if number.isdigit():
                    return int(number)
        return None


class Paced:
    """Frames sent at a steady rate, one at a time: each frame waits for its due time, is
    sent, and its answer (the next message to `expect`; None: the next datagram, as an echo
    answers) is awaited; round trips in µs."""

    def __init__(self, client: Client, rate: float, expect: str | None = OUTPUTS) -> None:
        self.client = client
        self.expect = expect
        self.period = 1.0 / rate
        self.due = time.perf_counter()
        self.times: list[float] = []
        self.lost = 0
        self.lost_in_a_row = 0
        self.other: dict[str, int] = {}  # messages besides /wek/outputs (gesture matches)

    def send(self, datagram: bytes) -> tuple[Any, ...] | None:
        """Send at the due time, then the /wek/outputs values (None: none in time)."""
        c, clock = self.client, time.perf_counter
        wait = self.due - clock()
        if wait > 0:
            time.sleep(wait)
        t0 = clock()
        self.due = max(self.due + self.period, t0)  # late: the next one at once, never a burst
        c.tx.sendto(datagram, c.dest)
        deadline = t0 + ANSWER_TIMEOUT
        while (left := deadline - clock()) > 0:
            c.rx.settimeout(left)
            try:
                data = c.rx.recv(65536)
            except TimeoutError:
                break
            t1 = clock()
            try:
                messages = parse_packet(data)
            except OSCDecodeError:
                continue
            for address, _, args in messages:
                if self.expect is None or address == self.expect:
                    self.times.append((t1 - t0) * 1e6)
                    self.lost_in_a_row = 0
                    return args
                self.other[address] = self.other.get(address, 0) + 1
        self.lost += 1
        self.lost_in_a_row += 1
        if self.lost_in_a_row >= GIVE_UP_AFTER:
            raise RuntimeError(f"{GIVE_UP_AFTER} frames in a row got no answer")
        return None

    def control(self, address: str) -> None:
        self.client.send(address)


def over_udp(d: Dataset, rate: float) -> dict[str, Any]:
    """Teach the training series, perform each test series: decisions, costs, timings."""
    client = Client()
    started = time.perf_counter()
    try:
        with Instrument(client, d.dims, d.gestures) as instrument:
            t0 = time.perf_counter()
            instrument.teach(list(zip(d.train_labels.tolist(), d.train)))
            teach_s = time.perf_counter() - t0
            paced = Paced(client, rate)
            decided: list[int] = []
            costs: list[float] = []
            frames = 0
            t0 = time.perf_counter()
            for series in d.test:
                paced.control(WEK + "startRunning")
                last: tuple[Any, ...] | None = None  # the answer to the series' last frame
                for frame in series.tolist():
                    last = paced.send(encode_message("/wek/inputs", frame))
                    frames += 1
                    if last is None and instrument.proc.poll() is not None:
                        raise RuntimeError(f"mapper headless exited\n{instrument.stderr()}")
                if last is None or len(last) != d.gestures:
                    decided.append(-1)
                    costs.append(float("nan"))
                else:
                    decided.append(int(np.argmin(last)))
                    costs.append(float(min(last)))
            stream_s = time.perf_counter() - t0
            held = instrument.takes_held()
    finally:
        client.close()
    return {
        "decided": decided,
        "costs": costs,
        "frames": frames,
        "lost": paced.lost,
        "rate": rate,
        "achieved_rate": frames / stream_s if stream_s else 0.0,
        "round_trip": summary(paced.times),
        "teach_s": teach_s,
        "takes_held": held,
        "takes_sent": len(d.train),
        "other_messages": sum(paced.other.values()),
        "seconds": time.perf_counter() - started,
    }


# ---- quality ------------------------------------------------------------------------------


def quality(d: Dataset, rate: float, log: Log) -> tuple[dict[str, Any], dict[str, Any]]:
    """One dataset: (its accuracy row, the costs the threshold is chosen from)."""
    truth = d.test_labels
    row: dict[str, Any] = {"series": len(d.test)}
    log(f"  dtw: {d.name}: {len(d.train)} takes, {len(d.test)} test series over UDP")
    try:
        udp = over_udp(d, rate)
        decided = np.array(udp.pop("decided"))
        udp_costs = udp.pop("costs")
        row["udp"] = float(np.mean(decided == truth))
        row["udp_run"] = udp
    except (RuntimeError, OSError, TimeoutError) as e:
        row["udp_error"] = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
        decided, udp_costs = None, []
    log(f"  dtw: {d.name}: in-process")
    t0 = time.perf_counter()
    ours, winning = classify(d.train, d.train_labels, d.test, d.gestures)
    row["in_process"] = float(np.mean(ours == truth))
    row["in_process_s"] = time.perf_counter() - t0
    if decided is not None:
        row["udp_agrees"] = float(np.mean(decided == ours))
        # the winning costs as sent (float32) against in-process's: the largest difference
        gap = np.abs(np.asarray(udp_costs) - winning) / np.maximum(winning, 1e-9)
        row["udp_cost_gap"] = float(np.max(gap)) if np.all(np.isfinite(gap)) else None
    f = downsample_factor(d.train)
    down, _ = classify(
        [s[::f] for s in d.train], d.train_labels, [s[::f] for s in d.test], d.gestures
    )
    row["wekinator_default"] = float(np.mean(down == truth))
    row["downsample_factor"] = f
    row["downsampled_train_length"] = max(len(s[::f]) for s in d.train)
    if d.reference is not None:
        row["reference"] = float(np.mean(d.reference == truth))
    evidence = {
        "correct": winning[ours == truth].tolist(),
        "wrong": winning[ours != truth].tolist(),
        "hits_of": len(d.test),
    }
    return row, evidence


def non_gestures(d: Dataset, streams: int, takes: int, seed: int = 1) -> dict[str, Any]:
    """The costs the threshold is chosen from, besides the test series': each take's own
    cost (its gesture's, with the take itself left out of the set: `takes` of them, in class
    order), and the lowest best cost reached on input that is no gesture of the set: each test
    series of a class left out of the set, and streams of noise at the training frames' mean
    and spread per dimension (white; smooth: a sensor wandering; still: holding the pose a take
    starts from, with a sensor's jitter)."""
    rng = np.random.default_rng(seed)
    own: list[float] = []
    for i in _order(d.train_labels, takes):
        keep = np.arange(len(d.train)) != i
        sp = spotter([s for s, k in zip(d.train, keep) if k], d.train_labels[keep], d.gestures)
        last, _, _ = perform(sp, d.train[i])
        own.append(float(last[d.train_labels[i]]))
    unknown: list[float] = []
    if d.gestures > 1:
        for left_out in range(d.gestures):
            keep = d.train_labels != left_out
            sp = spotter([s for s, k in zip(d.train, keep) if k], d.train_labels[keep], d.gestures)
            for series in (s for s, y in zip(d.test, d.test_labels) if y == left_out):
                unknown.append(perform(sp, series)[1])
    frames = np.concatenate(d.train)
    mean, sd = frames.mean(axis=0), frames.std(axis=0)
    n = max(60, 3 * int(np.median([len(s) for s in d.test])))
    sp = spotter(d.train, d.train_labels, d.gestures)
    out: dict[str, Any] = {"own": own, "unknown": unknown, "stream_frames": n}
    for kind in NOISES:
        lows, per_frame = [], []
        for _ in range(streams):
            e = rng.standard_normal((n, d.dims))
            if kind == "smooth noise":  # AR(1), a = 0.95: wandering, with the same spread
                a = 0.95
                for t in range(1, n):
                    e[t] = a * e[t - 1] + np.sqrt(1 - a * a) * e[t]
                x = mean + sd * e
            elif kind == "still":  # a take's first frame, 2% of the spread of jitter
                x = d.train[int(rng.integers(len(d.train)))][0] + 0.02 * sd * e
            else:
                x = mean + sd * e
            _, low, bests = perform(sp, x)
            lows.append(low)
            per_frame += bests
        out[kind] = lows
        out[f"{kind} per frame"] = _percentiles(per_frame)
    return out


def _order(labels: np.ndarray, n: int) -> list[int]:
    """The first n indices taking each class in turn (as quick_subset picks)."""
    by_class = [list(np.flatnonzero(labels == k)) for k in np.unique(labels)]
    picked: list[int] = []
    for rank in range(len(labels)):
        for members in by_class:
            if rank < len(members) and len(picked) < n:
                picked.append(int(members[rank]))
    return sorted(picked)


def _percentiles(x: Sequence[float]) -> dict[str, float]:
    if not len(x):
        return {}
    q = np.percentile(np.asarray(x), [1, 5, 50])
    return {"p1": float(q[0]), "p5": float(q[1]), "median": float(q[2])}


def _spread(x: Sequence[float]) -> dict[str, float]:
    if not len(x):
        return {"n": 0}
    q = np.percentile(np.asarray(x), [5, 50, 90, 95])
    return {
        "n": len(x),
        "p5": float(q[0]),
        "median": float(q[1]),
        "p90": float(q[2]),
        "p95": float(q[3]),
        "max": float(np.max(x)),
        "min": float(np.min(x)),
    }


def thresholds(evidence: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per dataset and candidate threshold, fixed (in units of the examples' spread, as
    mapper's threshold is) or relative (times the median of the set's takes' own costs): the
    share of test series matched right at their end (classified right, and the winning cost
    under it), and for each kind of non-gesture the share that reaches under it somewhere.
    The suggestion, for each: the candidate with the best score, the mean over the datasets of
    (share matched right - share of white-noise streams matched); the smaller on a tie."""
    table: dict[str, Any] = {}
    for name, ev in evidence.items():
        unit = float(np.median(ev["own"])) if ev["own"] else float("nan")
        table[name] = {
            **{k: _spread(ev[k]) for k in ("correct", "wrong", "own", *KINDS)},
            **{f"{k} per frame": ev[f"{k} per frame"] for k in NOISES},
            "stream_frames": ev["stream_frames"],
            "own_median": unit,
            "fixed": {f"{t:g}": _rates(ev, t) for t in THRESHOLDS},
            "relative": {f"{r:g}": _rates(ev, r * unit) for r in RELATIVE},
        }

    scores: dict[str, dict[str, float]] = {}
    for kind, candidates in (("fixed", THRESHOLDS), ("relative", RELATIVE)):
        scores[kind] = {}
        for c in candidates:
            rows = [table[n][kind][f"{c:g}"] for n in table]
            scores[kind][f"{c:g}"] = float(np.mean([r["hits"] - (r[SCORED] or 0.0) for r in rows]))
    best = {k: max(v, key=lambda c: (v[c], -float(c))) for k, v in scores.items()}
    return {
        "fixed": list(THRESHOLDS),
        "relative": list(RELATIVE),
        "scored": SCORED,
        "scores": scores,
        "suggested_fixed": float(best["fixed"]),
        "suggested_relative": float(best["relative"]),
        "datasets": table,
    }


def _rates(ev: dict[str, Any], t: float) -> dict[str, float | None]:
    correct = np.asarray(ev["correct"])
    row: dict[str, float | None] = {
        "threshold": t,
        "hits": float(np.sum(correct < t) / max(ev["hits_of"], 1)),
    }
    for kind in KINDS:
        lows = np.asarray(ev[kind])
        row[kind] = float(np.mean(lows < t)) if len(lows) else None
    return row


# ---- cost ---------------------------------------------------------------------------------


def cost_set(seed: int = 3) -> tuple[list[tuple[int, np.ndarray]], np.ndarray]:
    """10 gestures x 5 takes x 100 frames x 8 inputs (smooth random curves, each take a
    little different), and a performance: takes with a wobble, one after another."""
    gestures, takes, n, dims = COST_SET
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, n)[:, None]
    shapes = []
    for _ in range(gestures):
        f, p = rng.uniform(0.5, 2.5, dims), rng.uniform(0, 2 * np.pi, dims)
        shapes.append(0.5 + 0.4 * np.sin(2 * np.pi * f * t + p))
    recorded = [
        (k, shapes[k] + rng.normal(0, 0.03, (n, dims)))
        for k in range(gestures)
        for _ in range(takes)
    ]
    order = rng.permutation(len(recorded))
    stream = np.concatenate([recorded[i][1] + rng.normal(0, 0.03, (n, dims)) for i in order])
    return recorded, stream


def in_process_cost(frames: int, warmup: int, paced: int) -> dict[str, Any]:
    """Spotter.step and Gestures.step per frame (µs), BLAS on one thread: back to back, then
    `paced` frames of Gestures.step at COST_RATE (the process idle between frames, as the
    instrument is at a sensor's rate: its caches go cold)."""
    from threadpoolctl import threadpool_limits

    from mapper.core.gestures import Gestures, GestureSet, GestureTake

    recorded, stream = cost_set()
    gestures, _, _, dims = COST_SET
    sp = spotter([f for _, f in recorded], [k for k, _ in recorded], gestures)
    g = Gestures(dims, [GestureSet("output", gestures)], threading.RLock())
    g.add([GestureTake(i + 1, 0, k, f) for i, (k, f) in enumerate(recorded)])
    rows = [stream[i % len(stream)] for i in range(warmup + frames)]
    as_floats = [r.tolist() for r in rows]  # what the engine passes: the decoded floats

    def nothing(address: str, values: list[float]) -> None:
        pass

    out: dict[str, Any] = {"set": "10 gestures x 5 takes x 100 frames x 8 inputs", "frames": frames}
    clock = time.perf_counter_ns
    spotter_us: list[float] = []
    gestures_us: list[float] = []
    with threadpool_limits(limits=1):  # the two interleaved, frame by frame: the same drift
        for k, (x, floats) in enumerate(zip(rows, as_floats)):
            t0 = clock()
            sp.step(x)
            t1 = clock()
            g.step(floats, nothing)
            t2 = clock()
            if k >= warmup:
                spotter_us.append((t1 - t0) / 1e3)
                gestures_us.append((t2 - t1) / 1e3)
        paced_us: list[float] = []
        due = time.perf_counter()
        for k in range(warmup // 10 + paced):
            due += 1.0 / COST_RATE
            time.sleep(max(0.0, due - time.perf_counter()))
            t0 = clock()
            g.step(as_floats[k % len(as_floats)], nothing)
            if k >= warmup // 10:
                paced_us.append((clock() - t0) / 1e3)
    out["Spotter.step"] = summary(spotter_us)
    out["Gestures.step"] = summary(gestures_us)
    out["Gestures.step paced"] = {**summary(paced_us), "rate": COST_RATE, "frames": paced}
    return out


def round_trip_cost(frames: int, warmup: int, rate: float, log: Log) -> dict[str, Any]:
    """The 10 x 5 x 100 x 8 set through `mapper headless`, and a bare UDP echo, paced alike."""
    recorded, stream = cost_set()
    gestures, _, _, dims = COST_SET
    datagrams = [encode_message("/wek/inputs", r.tolist()) for r in stream[:4000]]
    out: dict[str, Any] = {"rate": rate, "frames": frames}
    client = Client()
    try:
        log("  dtw: round trip, 10 x 5 x 100 x 8 through mapper headless")
        with Instrument(client, dims, gestures) as instrument:
            instrument.teach(recorded)
            client.send(WEK + "startRunning")
            out["mapper"] = _paced(client, datagrams, frames, warmup, rate)
        log("  dtw: round trip, the floor (a bare UDP echo)")
        echo = subprocess.Popen(
            [sys.executable, "-c", ECHO, str(client.port)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert echo.stdout is not None
            client.dest = ("127.0.0.1", int(echo.stdout.readline()))
            out["floor"] = _paced(client, datagrams, frames, warmup, rate, expect=None)
        finally:
            echo.kill()
            echo.wait(10)
    finally:
        client.close()
    for key in ("median_us", "p99_us"):
        out[f"over_floor_{key}"] = out["mapper"][key] - out["floor"][key]
    return out


def _paced(
    client: Client,
    datagrams: Sequence[bytes],
    frames: int,
    warmup: int,
    rate: float,
    expect: str | None = OUTPUTS,
) -> dict[str, Any]:
    paced = Paced(client, rate, expect)
    for k in range(warmup):
        paced.send(datagrams[k % len(datagrams)])
    paced.times.clear()
    paced.lost = 0
    for k in range(frames):
        paced.send(datagrams[(warmup + k) % len(datagrams)])
    return {**summary(paced.times), "lost": paced.lost}


# ---- the section -----------------------------------------------------------------------


def run(quick: bool = False, log: Log = print, rate: float = RATE) -> dict[str, Any]:
    started = time.perf_counter()
    r: dict[str, Any] = {
        "machine": machine.describe(),
        "quick": quick,
        "load": {"before": machine.load()},
    }
    datasets: list[Dataset] = []
    try:
        meta, datasets = load()
    except (OSError, ValueError, KeyError) as e:
        why = setup(log) if not quick else f"{DATA} not written ({type(e).__name__})"
        try:
            if why is None:
                meta, datasets = load()
        except (OSError, ValueError, KeyError) as again:
            why = f"{DATA} unreadable after the setup ({again})"
        if why is not None:
            meta = {"skipped": f"{why}: run `make bench-dtw-setup`"}
            datasets = [synthetic()] if quick else []
    r["reference"] = {k: v for k, v in meta.items() if k != "datasets"}
    if quick:
        datasets = [quick_subset(d, QUICK_SERIES) for d in datasets]
    r["datasets"] = {d.name: d.describe() for d in datasets}
    accuracy: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    for d in datasets:
        row, ev = quality(d, rate, log)
        ev.update(non_gestures(d, 2 if quick else NOISE_STREAMS, 8 if quick else OWN_TAKES))
        accuracy[d.name], evidence[d.name] = row, ev
    r["accuracy"] = accuracy
    if evidence:
        r["thresholds"] = thresholds(evidence)
    r["load"]["before cost"] = machine.load()
    log("  dtw: in-process cost, 10 x 5 x 100 x 8")
    r["cost"] = in_process_cost(
        500 if quick else 5000, 50 if quick else 500, 100 if quick else 1000
    )
    r["roundtrip"] = round_trip_cost(200 if quick else 2000, 20 if quick else 200, COST_RATE, log)
    r["load"]["after"] = machine.load()
    r["seconds"] = time.perf_counter() - started
    return r


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    """The section's goals, as the suite's report lists them (accuracy: full runs only)."""
    out: list[dict[str, Any]] = []

    def add(goal: str, measured: str, met: bool) -> None:
        out.append({"goal": goal, "measured": measured, "met": bool(met)})

    for name, row in r.get("accuracy", {}).items():
        if r.get("quick") or "reference" not in row or "udp" not in row:
            continue
        gap = row["udp"] - row["reference"]
        add(
            f"DTW {name}: accuracy over UDP within {GOAL_GAP:g} of 1-NN DTW "
            f"({r['reference'].get('library', '?')})",
            f"{row['udp']:.3f} vs {row['reference']:.3f} ({gap:+.3f})",
            gap >= -GOAL_GAP,
        )
    if "cost" in r:
        s = r["cost"]["Gestures.step"]
        add(
            f"DTW match per frame, 10 x 5 x 100 x 8, one core: median <= {GOAL_STEP_US:g} µs",
            f"{s['median_us']:.0f} µs (p99 {s['p99_us']:.0f} µs)",
            s["median_us"] <= GOAL_STEP_US,
        )
    if "roundtrip" in r:
        m = r["roundtrip"]["mapper"]
        add(
            f"DTW round trip, 10 x 5 x 100 x 8 at {r['roundtrip']['rate']:g}/s: p99 < 1 ms",
            f"{m['p99_us']:.0f} µs (median {m['median_us']:.0f} µs, lost {m['lost']})",
            m["p99_us"] < GOAL_ROUND_TRIP_US and m["lost"] == 0,
        )
    return out


def print_section(r: dict[str, Any]) -> None:
    print(
        "\nDTW: temporal gestures (each test series performed after startRunning; the answer "
        "is the lowest cost in its last /wek/outputs)"
    )
    m = r["machine"]
    print(
        f"  machine: {m['cores']} cores, {m['cpu']}; load (1/5/15 min): "
        + "; ".join(f"{k} {v}" for k, v in r["load"].items())
    )
    ref = r.get("reference", {})
    if "skipped" in ref:
        print(f"  reference: not computed: {ref['skipped']}")
    elif ref:
        print(f"  reference: {ref['classifier']}, {ref['library']}, on the same splits")
    if r.get("quick"):
        print(f"  (--quick: {QUICK_SERIES} test series per dataset; accuracies are rough)")
    if r.get("accuracy"):
        print(
            f"  {'dataset':22} {'train':>5} {'test':>5} {'dims':>4} {'lengths':>9} "
            f"{'K':>3} | {'UDP':>6} {'in-proc':>7} {'Wekinator default':>21} "
            f"{'1-NN DTW':>8} {'UDP-ref':>7}"
        )
    for name, row in r.get("accuracy", {}).items():
        d = r["datasets"][name]
        lo, hi = d["test_lengths"]
        lengths = f"{lo}" if lo == hi else f"{lo}-{hi}"
        udp = f"{row['udp']:.3f}" if "udp" in row else "error"
        wek = f"{row['wekinator_default']:.3f} (1 in {row['downsample_factor']})"
        refa = f"{row['reference']:.3f}" if "reference" in row else "-"
        gap = (
            f"{row['udp'] - row['reference']:+.3f}" if "reference" in row and "udp" in row else "-"
        )
        print(
            f"  {name:22} {d['train']:>5} {row['series']:>5} {d['dims']:>4} {lengths:>9} "
            f"{d['classes']:>3} | {udp:>6} {row['in_process']:>7.3f} {wek:>21} {refa:>8} "
            f"{gap:>7}"
        )
    for name, row in r.get("accuracy", {}).items():
        if "udp_error" in row:
            print(f"  {name}: over UDP failed: {row['udp_error']}")
            continue
        u = row["udp_run"]
        rt = u["round_trip"]
        held = u["takes_held"]
        print(
            f"  {name}: {u['frames']} frames at {u['achieved_rate']:.0f}/s (asked "
            f"{u['rate']:g}), round trip median {rt['median_us']:.0f} µs, p99 "
            f"{rt['p99_us']:.0f} µs, lost {u['lost']}; takes {u['takes_sent']} sent, "
            f"{held if held is not None else '?'} held; decisions = in-process's for "
            f"{row['udp_agrees']:.1%}"
        )
    if "thresholds" in r:
        _print_thresholds(r["thresholds"])
    if "cost" in r:
        c = r["cost"]
        print(
            f"\n  matching cost per frame, in-process, BLAS on one thread ({c['set']}, "
            f"{c['frames']} frames)"
        )
        for name in ("Spotter.step", "Gestures.step"):
            s = c[name]
            print(f"    {name:14} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs")
        s = c["Gestures.step paced"]
        print(
            f"    {'Gestures.step':14} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs"
            f"   paced at {s['rate']:g} frames/s ({s['frames']} frames: idle between frames, "
            "its caches go cold, as in the instrument)"
        )
    if "roundtrip" in r:
        t = r["roundtrip"]
        print(
            f"\n  round trip per frame, same set, mapper headless over loopback UDP, paced at "
            f"{t['rate']:g} frames/s ({t['frames']} frames)"
        )
        for name in ("mapper", "floor"):
            s = t[name]
            label = "mapper headless" if name == "mapper" else "floor (UDP echo)"
            print(
                f"    {label:17} median {s['median_us']:6.0f} µs   p99 {s['p99_us']:6.0f} µs"
                f"   max {s['max_us']:6.0f} µs   lost {s['lost']}"
            )
        print(
            f"    over the floor:   median {t['over_floor_median_us']:+6.0f} µs   p99 "
            f"{t['over_floor_p99_us']:+6.0f} µs"
        )
    print(f"  ({r['seconds']:.0f} s)")


def _print_thresholds(th: dict[str, Any]) -> None:
    print(
        "\n  match threshold: costs in units of the examples' spread (mapper's default "
        f"{_default_threshold():g}); 'own': each take against the others of its gesture"
    )
    print(
        "    right: the winning cost at the last frame of the test series classified right; "
        "the rest: the lowest best cost reached on input that is no gesture of the set"
    )
    print(
        f"    {'dataset':22} {'own':>6} | {'right: median':>13} {'p95':>6} | "
        + " | ".join(f"{k}: p5 {'median':>7}" for k in KINDS)
    )
    for name, t in th["datasets"].items():

        def g(x: dict[str, Any], key: str) -> str:
            return f"{x[key]:.3f}" if key in x else "-"

        cells = " | ".join(f"{g(t[k], 'p5'):>{len(k) + 4}} {g(t[k], 'median'):>7}" for k in KINDS)
        print(
            f"    {name:22} {t['own_median']:>6.3f} | {g(t['correct'], 'median'):>13} "
            f"{g(t['correct'], 'p95'):>6} | {cells}"
        )
    names = list(th["datasets"])
    what = "/".join(("right", *KINDS))
    for kind, unit in (("fixed", ""), ("relative", " x own")):
        print(f"    {kind} threshold: the share {what} under it (somewhere); score")
        print("    " + f"{'threshold':>12} " + " ".join(f"{n[:28]:>28}" for n in names))
        for c in th[kind]:
            shares = []
            for n in names:
                row = th["datasets"][n][kind][f"{c:g}"]
                parts = [row["hits"], *(row[k] for k in KINDS)]
                shares.append("/".join("-" if p is None else f"{p:.2f}" for p in parts))
            score = th["scores"][kind][f"{c:g}"]
            print(
                "    "
                + f"{f'{c:g}{unit}':>12} "
                + " ".join(f"{x:>28}" for x in shares)
                + f"  {score:+.2f}"
            )
    print(
        f"    suggested (the best score: the mean over the datasets of the share matched right "
        f"less the share of {th['scored']} streams matched): fixed {th['suggested_fixed']:g}; "
        f"relative {th['suggested_relative']:g} x own"
    )


def _default_threshold() -> float:
    from mapper.core.gestures import DEFAULT_THRESHOLD

    return DEFAULT_THRESHOLD


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dtw", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"a smoke run: {QUICK_SERIES} test series per dataset"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=RATE,
        help=f"frames a second while performing (default {RATE:g})",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--setup",
        action="store_true",
        help="only make .venv-bench (aeon) and write the reference, then stop",
    )
    args = parser.parse_args(argv)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if args.setup:
        why = setup(log)
        if why:
            print(f"dtw: {why}", file=sys.stderr)
            return 1
        meta, datasets = load()
        for d in datasets:
            print(f"{d.name}: {json.dumps(d.describe())}")
        print(f"reference written to {DATA} ({meta['library']})")
        return 0
    r = run(quick=args.quick, log=log, rate=args.rate)
    r["goals"] = goals(r)
    print_section(r)
    if r["goals"]:
        print("\n  goals")
        for goal in r["goals"]:
            print(
                f"    {'met    ' if goal['met'] else 'NOT MET'}  {goal['goal']}: {goal['measured']}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(r, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
