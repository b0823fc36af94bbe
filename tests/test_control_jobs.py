"""Nothing lost, nobody in: floods of control messages, hostile addresses and huge type-tag
strings against a real `mapper headless` on loopback.

Control work off the receive thread is bounded (one worker per kind, a short queue, repeated
saves merged, the rest counted and dropped), SIGTERM still stops it at once, OSC's save-as
never writes over a project, and what a datagram says reaches the log short and harmless.
"""

from __future__ import annotations

import math
import re
import signal
import socket
import threading
import time
from pathlib import Path

from mapper.core.state import Counters
from mapper.osc.codec import encode_bundle, encode_message, parse_packet
from mapper.osc.jobs import JobRunner
from mapper.osc.server import RateLimitedLog

from .conftest import Receiver
from .test_headless import _csv_rows, headless, record_round, wait_until  # noqa: F401 (a fixture)
from .test_project_osc import write_project

MAX_DATAGRAM = 65_507
EVALUATE = "/mapper/control/evaluate"
SAVE = "/mapper/control/save"


def proc_status(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def threads(pid: int) -> int:
    return int(proc_status(pid)["Threads"])


def rss_mb(pid: int) -> float:
    return int(proc_status(pid)["VmRSS"].split()[0]) / 1024


def send(port: int, data: bytes) -> None:
    assert len(data) <= MAX_DATAGRAM
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(data, ("127.0.0.1", port))


def poll(receiver: Receiver, timeout: float) -> tuple[str, tuple] | None:
    """The next message the receiver got within `timeout` (decoded), else None."""
    receiver.sock.settimeout(max(timeout, 1e-3))
    try:
        data = receiver.sock.recv(65536)
    except TimeoutError:
        return None
    address, _, args = parse_packet(data)[0]
    return address, args


def counted(line: str, label: str) -> int:
    match = re.search(rf"{label} (\d+)", line)
    assert match, line
    return int(match.group(1))


def test_a_bundle_of_300_evaluations_is_answered_soon_by_few_threads(headless, receiver):  # noqa: F811
    h = headless("--inputs", "2", "--outputs", "1")
    record_round(h, receiver, [0.2], [0.1, 0.1])
    record_round(h, receiver, [0.8], [0.9, 0.9])
    h.wait_for_line("examples 30")
    pid, idle = h.proc.pid, threads(h.proc.pid)
    receiver.drain()
    bundle = encode_bundle([encode_message(EVALUATE, [])] * 300)
    sent = time.monotonic()
    send(h.port, bundle)
    peak, first = idle, None
    while first is None and time.monotonic() - sent < 5.0:
        peak = max(peak, threads(pid))
        msg = poll(receiver, 0.01)
        if msg is not None and msg[0] == "/mapper/evaluation":
            first = time.monotonic() - sent
            assert msg[1][0] == 1.0 and 0.0 <= msg[1][1] < 0.3  # output 1: its error
    assert first is not None, "no /mapper/evaluation answer within 5 s"
    dropped = counted(h.wait_for_line("control dropped"), "control dropped")
    assert 280 <= dropped < 300  # a few run (one at a time), the flood is counted
    answers = 1
    deadline = time.monotonic() + 20
    while answers < 300 - dropped and time.monotonic() < deadline:
        peak = max(peak, threads(pid))
        msg = poll(receiver, 0.05)
        answers += msg is not None and msg[0] == "/mapper/evaluation"
    assert answers == 300 - dropped  # every evaluation not dropped is answered, once
    assert poll(receiver, 0.3) is None
    assert peak <= idle + 2, f"{peak} threads (idle: {idle})"
    code, _, err = h.stop()
    assert code == 0
    assert "dropped" in err and err.count("dropped") < 5  # said, not once per message


def test_a_bundle_of_1800_saves_is_one_save_and_sigterm_stops_it_at_once(
    tmp_path,
    headless,  # noqa: F811
    receiver,
):
    folder = tmp_path / "p"
    h = headless(str(folder), "--inputs", "2", "--outputs", "1")
    record_round(h, receiver, [0.5], [0.1, 0.2])
    h.wait_for_line("examples 15")
    assert _csv_rows(folder) == []  # only the journal holds them: no save yet
    pid = h.proc.pid
    idle, rss = threads(pid), rss_mb(pid)
    bundle = encode_bundle([encode_message(SAVE, [])] * 1800)
    send(h.port, bundle)
    peak, peak_rss = idle, rss
    deadline = time.monotonic() + 10
    while len(_csv_rows(folder)) != 15 and time.monotonic() < deadline:
        peak, peak_rss = max(peak, threads(pid)), max(peak_rss, rss_mb(pid))
        time.sleep(0.005)
    assert len(_csv_rows(folder)) == 15, "the saves did not save the project"
    for _ in range(50):  # and nothing keeps going after it
        peak, peak_rss = max(peak, threads(pid)), max(peak_rss, rss_mb(pid))
        time.sleep(0.01)
    assert peak <= idle + 2, f"{peak} threads (idle: {idle})"
    assert peak_rss - rss < 60, f"RSS grew from {rss:.0f} MB to {peak_rss:.0f} MB"

    send(h.port, bundle)  # another flood, and stop it in the middle
    time.sleep(0.05)
    sent = time.monotonic()
    h.proc.send_signal(signal.SIGTERM)
    h.proc.wait(timeout=20)
    took = time.monotonic() - sent
    assert h.proc.returncode == 0
    assert took < 3.0, f"SIGTERM took {took:.1f} s"  # 0.2 s here; before: 20 s and more
    assert len(_csv_rows(folder)) == 15


def test_save_as_never_writes_over_an_existing_project(tmp_path, headless, receiver):  # noqa: F811
    allowed = tmp_path / "allowed"
    write_project(allowed / "c", n_inputs=2, n_outputs=1)  # 20 examples
    before = {p.name: p.read_bytes() for p in (allowed / "c").iterdir()}
    h = headless(str(allowed / "a"), "--inputs", "2", "--outputs", "1", "--allow-dir", str(allowed))
    record_round(h, receiver, [0.5], [0.1, 0.2])
    # one at a time: the same folder asked for again while its job waits is that one job
    h.client.send_message(SAVE, [str(allowed / "c")])
    h.wait_for_line("control errors 1")
    h.client.send_message(SAVE, ["c"])  # relative: the same folder
    h.wait_for_line("control errors 2")
    h.client.send_message(SAVE, ["\x1b[2Jnew"])  # a name that would print an escape later
    h.wait_for_line("control errors 3")
    h.client.send_message(SAVE, ["d"])  # a new folder: still saves
    wait_until(lambda: len(_csv_rows(allowed / "d")) == 15)
    code, _, err = h.stop()
    assert code == 0
    assert {p.name: p.read_bytes() for p in (allowed / "c").iterdir()} == before
    refusals = [line for line in err.splitlines() if "existing project" in line]
    assert refusals and len(refusals[0]) < 300, err
    assert sorted(p.name for p in allowed.iterdir()) == ["a", "c", "d"]


def test_what_a_datagram_says_reaches_the_log_short_and_harmless(headless):  # noqa: F811
    h = headless("--inputs", "2", "--outputs", "1")
    hostile = "/\x1b[31mred\x1b]0;owned\x07" + "a" * 60_000
    send(h.port, encode_message(hostile, []))
    for k in range(200):  # a flood of distinct unknown addresses: one line for them all
        send(h.port, encode_message(f"/\x1b[2J{k}", []))
    send(h.port, b"/x\0\0," + b"\x1b" * 60_000 + b"\0\0\0\0")  # malformed: a huge tag string
    line = h.wait_for_line("malformed 1")  # the status line: sent last, so counted last
    assert "unknown addresses 201" in line
    code, out, err = h.stop()
    assert code == 0
    assert "\x1b" not in err and "\x07" not in err and "\x1b" not in out
    unknown = [line for line in err.splitlines() if "unknown address" in line]
    assert len(unknown) == 1, unknown
    assert len(unknown[0]) < 200 and "\\x1b[31mred" in unknown[0] and unknown[0].endswith("…")
    malformed = [line for line in err.splitlines() if "malformed" in line]
    assert len(malformed) == 1 and len(malformed[0]) < 500, malformed
    assert len(err) < 2000, err[:2000]


def test_a_job_runner_merges_drops_and_closes_within_a_second():
    counters = Counters()
    runner = JobRunner(counters, queue_size=4)
    ran: list[object] = []

    def blocker() -> tuple[threading.Event, threading.Event]:
        started, release = threading.Event(), threading.Event()
        runner.submit("save-as", lambda: (started.set(), release.wait(30)))
        assert started.wait(5)  # the worker is busy: what follows waits in the queue
        return started, release

    _, release = blocker()
    for _ in range(100):  # the same job asked for again and again while it waits: one job
        assert runner.submit("save-as", lambda: ran.append("same"), key="same")
    for k in range(10):  # distinct jobs: three more wait, the other seven are dropped
        runner.submit("save-as", lambda k=k: ran.append(k))
    assert counters.control_dropped == 7
    release.set()
    wait_until(lambda: ran == ["same", 0, 1, 2])
    assert not runner.busy()

    _, release = blocker()
    runner.submit("save-as", lambda: ran.append("late"))
    runner.submit("evaluate", lambda: ran.append("other kind"))
    wait_until(lambda: "other kind" in ran)  # one worker per kind: not behind the blocker
    before = time.monotonic()
    runner.close()  # the blocker still runs: its daemon thread is not waited for long
    assert time.monotonic() - before < 1.5
    assert counters.control_dropped == 8  # the job still waiting, dropped at close
    assert not runner.submit("evaluate", lambda: ran.append("after close"))
    assert counters.control_dropped == 9
    release.set()
    time.sleep(0.1)
    assert ran == ["same", 0, 1, 2, "other kind"]


def test_the_rate_limited_log_keeps_a_bounded_set_of_kinds():
    log = RateLimitedLog()
    for k in range(10_000):
        log.warning(f"/attacker/{k}", "x")
    assert len(log._last) <= 256


def test_finite_inputs_whose_sum_overflows_are_recorded(headless):  # noqa: F811
    h = headless("--inputs", "2", "--outputs", "1")
    h.control("startRecording")
    for values in ([1e308, 1e308], [-1e308, -1e308], [1e308, 1.0]):
        send(h.port, encode_message("/wek/inputs", values, "dd"))
    for values in ([math.nan, 1.0], [math.inf, -math.inf], [1e308, math.inf]):
        send(h.port, encode_message("/wek/inputs", values, "dd"))
    h.control("stopRecording")
    line = h.wait_for_line("examples 3")
    assert "rejected 3" in line and "NaN or infinity" in line
    assert h.stop()[0] == 0


def test_distinct_huge_type_tag_strings_do_not_fill_memory(headless):  # noqa: F811
    h = headless("--inputs", "2", "--outputs", "1")
    pid, rss = h.proc.pid, rss_mb(h.proc.pid)
    n, width = 300, 20_000
    for k in range(n):  # tags without argument bytes: T, F, N; each string distinct
        tags = format(k, "b").replace("0", "T").replace("1", "F").ljust(width, "N")
        send(h.port, b"/big\0\0\0\0," + tags.encode() + b"\0" * (4 - (len(tags) + 1) % 4))
        time.sleep(0.002)  # no flood: the point is that each one is decoded
    h.wait_for_line(f"unknown addresses {n}", timeout=30)
    grew = rss_mb(pid) - rss
    assert grew < 50, f"RSS grew by {grew:.0f} MB"
    assert h.stop()[0] == 0
