"""Control work that must not run on the receive thread (evaluations, save-as, opening a
project), bounded however many messages ask for it.

One daemon worker thread per kind of job, started with its kind's first job, runs that kind's
jobs one at a time from a short queue (`QUEUE_SIZE` waiting behind the one running). A job
whose key equals that of a job still waiting merges into it: the same save asked for twice is
one save. A job that finds its queue full is dropped, counted in the engine's counters
(`control_dropped`) and said in the log at most once every few seconds: a flood costs a
counter, never a thread per message. `close()` stops every worker within a second: the jobs
still waiting are dropped (and counted); one running finishes on its daemon thread, which never
keeps the process alive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from mapper.core.state import Counters

log = logging.getLogger("mapper.osc")

QUEUE_SIZE = 4  # jobs of one kind waiting behind the one running
CLOSE_WAIT = 1.0  # seconds close() waits for the workers, all together

Warn = Callable[[str, str], None]
"""`warn(kind, message)`: a rate-limited log (mapper.osc.server.RateLimitedLog.warning)."""


def _plain_warning(kind: str, message: str) -> None:
    log.warning("%s", message)


@dataclass
class _Job:
    key: Hashable | None
    work: Callable[[], object]


@dataclass
class _Worker:
    kind: str
    thread: threading.Thread | None = None
    waiting: deque[_Job] = field(default_factory=deque)
    running: bool = False


class JobRunner:
    """The workers of one OSC server. `submit` is called from the receive thread and never
    waits for a job; kinds are a few fixed names (never text from a message)."""

    def __init__(
        self, counters: Counters, warn: Warn = _plain_warning, queue_size: int = QUEUE_SIZE
    ) -> None:
        self.counters = counters
        self.queue_size = queue_size
        self.warn = warn  # for the jobs' own failures too: rate-limited, like the rest
        self._cond = threading.Condition()
        self._workers: dict[str, _Worker] = {}
        self._closed = False

    def submit(self, kind: str, work: Callable[[], object], key: Hashable | None = None) -> bool:
        """Have `kind`'s worker run `work()` after the jobs already waiting. With a `key`, a
        job of the same kind and key still waiting stands for this one (merged). True when it
        will run or merged; False when dropped (the queue full, or the runner closed)."""
        with self._cond:
            if not self._closed:
                worker = self._workers.get(kind)
                if worker is None:
                    worker = self._workers[kind] = _Worker(kind)
                if key is not None and any(job.key == key for job in worker.waiting):
                    return True
                if len(worker.waiting) < self.queue_size:
                    worker.waiting.append(_Job(key, work))
                    if worker.thread is None:
                        worker.thread = threading.Thread(
                            target=self._run, args=(worker,), name=f"mapper-{kind}", daemon=True
                        )
                        worker.thread.start()
                    self._cond.notify_all()
                    return True
            self.counters.control_dropped += 1
            closed = self._closed
        if not closed:
            self.warn(
                "control-dropped",
                f"too many {kind} requests at once: dropped (a queue of {self.queue_size} "
                f"waits behind the one running; {self.counters.control_dropped} dropped so far)",
            )
        return False

    def busy(self) -> bool:
        """True while any job runs or waits."""
        with self._cond:
            return any(w.running or w.waiting for w in self._workers.values())

    def _run(self, worker: _Worker) -> None:
        while True:
            with self._cond:
                while not worker.waiting and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = worker.waiting.popleft()
                worker.running = True
            try:
                job.work()
            except Exception as e:  # the job's own failures are its to report; this is a bug
                self.counters.internal_errors += 1
                self.warn("job-failed", f"{worker.kind} failed: {e!r}")
            finally:
                with self._cond:
                    worker.running = False
                    self._cond.notify_all()

    def close(self, timeout: float = CLOSE_WAIT) -> None:
        """Drop the jobs waiting, refuse new ones, and give the workers `timeout` seconds in
        all to stop (a job already running finishes on its daemon thread). Callable from a
        job (opening a project closes the server that ran it): that worker is not waited for."""
        with self._cond:
            self._closed = True
            for worker in self._workers.values():
                self.counters.control_dropped += len(worker.waiting)
                worker.waiting.clear()
            self._cond.notify_all()
            threads = [w.thread for w in self._workers.values() if w.thread is not None]
        deadline = time.monotonic() + timeout
        me = threading.current_thread()
        for thread in threads:
            if thread is not me:
                thread.join(max(0.0, deadline - time.monotonic()))
