"""The example store: rows, masks, rounds, deletes and undo."""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from mapper.core.examples import ExampleStore


def test_rows_grow_past_the_first_capacity_and_keep_their_order():
    store = ExampleStore(2, 1, capacity=16)
    for k in range(100):
        store.append([k, -k], [k / 100], [True], round_=1 + k // 50, time=1000.0 + k)
    rows = store.snapshot()
    assert len(rows) == 100
    assert rows.inputs[:, 0].tolist() == list(range(100))
    assert rows.rounds.tolist() == [1] * 50 + [2] * 50
    assert rows.ids.tolist() == list(range(1, 101))


def test_unrecorded_outputs_are_empty_and_left_out_of_training_data():
    store = ExampleStore(1, 2)
    store.append([0.0], [0.1, 0.2], [True, False], 1, 0.0)
    store.append([1.0], [0.3, 0.4], [True, True], 1, 0.0)
    rows = store.snapshot()
    assert math.isnan(rows.outputs[0, 1])
    X, y = rows.for_output(1, [0])
    assert X.tolist() == [[1.0]] and y.tolist() == [0.4]
    assert store.counts() == [2, 1]


def test_clearing_one_output_drops_rows_left_with_nothing():
    store = ExampleStore(1, 2)
    store.append([0.0], [0.1, 0.2], [True, False], 1, 0.0)
    store.append([1.0], [0.3, 0.4], [True, True], 1, 0.0)
    assert store.clear_output(0) == 2
    assert len(store) == 1 and store.counts() == [0, 1]


def test_a_deleted_round_can_be_put_back():
    store = ExampleStore(1, 1)
    for r in (1, 2, 3):
        store.append([float(r)], [r / 10], [True], r, 0.0)
    gone = store.delete_round(2)
    assert store.snapshot().rounds.tolist() == [1, 3]
    store.extend(gone)
    assert sorted(store.snapshot().rounds.tolist()) == [1, 2, 3]
    assert store.delete_ids([store.snapshot().ids[0]]) == 1


def test_snapshots_are_consistent_while_another_thread_records():
    store = ExampleStore(3, 1)
    stop = threading.Event()

    def record() -> None:
        for k in range(1_000_000):
            if stop.is_set():
                return
            store.append([k, k, k], [k], [True], 1, 0.0)

    writer = threading.Thread(target=record)
    writer.start()
    sizes = []
    try:
        for _ in range(5000):  # wait (bounded) for the writer to start
            if len(store):
                break
            time.sleep(0.001)
        for _ in range(200):
            time.sleep(0.001)  # let the writer run between snapshots
            rows = store.snapshot()
            assert np.array_equal(rows.inputs[:, 0], rows.outputs[:, 0])
            sizes.append(len(rows))
            if len(set(sizes)) > 2:
                break
    finally:
        stop.set()
        writer.join(10)
    assert len(set(sizes)) > 2, "the snapshots never overlapped the writer"
