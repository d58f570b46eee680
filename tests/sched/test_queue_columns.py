"""The queue's backfill columns (`QueueColumns`) stay in step with the queue.

EASY's busy passes slice the columns instead of gathering candidates from the job table, so
they must show exactly the waiting jobs, in queue order, with their sizes, kinds and
estimates, whatever the sequence of arrivals, removals from anywhere, out-of-order pushes
(a requeued job) and compactions; and ``stop_after`` must count live rows only.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gigawatt.sched.queue as queue_module
from gigawatt.sched.jobs import WHOLE_MILLI
from gigawatt.sched.queue import GONE, JobQueue, make_queue_policy

from .test_backfill_paths import busy_jobs

JOBS = busy_jobs(7, 0.2, count=200)


def check(queue: JobQueue) -> None:
    columns = queue.columns()
    rows = slice(0, columns.n)
    live = columns.live[rows]
    assert columns.dead == int((~live).sum())
    assert columns.job[rows][live].tolist() == list(queue)
    assert (columns.size[rows][~live] == GONE).all()
    order = columns.job[rows][live]
    acc, milli = JOBS.accelerators[order], JOBS.gpu_milli[order]
    np.testing.assert_array_equal(columns.size[rows][live], acc * milli)
    np.testing.assert_array_equal(columns.acc[rows][live], acc)
    np.testing.assert_array_equal(columns.estimate[rows][live], JOBS.estimate_s[order])
    kinds = [queue.kind_masks.index(int(m)) for m in JOBS.allowed[order]]
    np.testing.assert_array_equal(
        columns.base[rows][live], np.array(kinds, np.int64) * 4 + (milli < WHOLE_MILLI)
    )
    for job, row in columns.row.items():
        assert columns.job[row] == job and columns.live[row]
    # stop_after: the row after the count-th live row from any row on
    live_rows = np.flatnonzero(live)
    for first in range(0, columns.n + 1, 3):
        for count in (0, 1, 2, 5, 50):
            after = live_rows[live_rows >= first]
            expected = int(after[count - 1]) + 1 if 0 < count <= len(after) else None
            stop = columns.stop_after(first, count)
            if expected is not None:
                assert stop == expected
            else:
                assert int(live[first:stop].sum()) == min(count, len(after))


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(st.sampled_from(["push", "remove", "check"]), st.integers(0, 10**6))),
    compact_after=st.sampled_from([1, 3, 256]),
)
def test_columns_follow_pushes_removals_and_requeues(
    steps: list[tuple[str, int]], compact_after: int
) -> None:
    policy = make_queue_policy("easy-backfill", "topology")
    queue = JobQueue(JOBS, policy.order_key)
    waiting: list[int] = []
    outside = list(range(JOBS.count))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queue_module, "COMPACT_AFTER", compact_after)
        for what, pick in steps:
            if what == "push" and outside:
                # mostly the next arrival; sometimes an earlier job (a requeue: mid-queue)
                job = outside.pop(0 if pick % 4 else pick % len(outside))
                queue.push(job)
                waiting.append(job)
            elif what == "remove" and waiting:
                job = waiting.pop(pick % len(waiting))
                queue.remove(job)
                outside.append(job)
                outside.sort()
            else:
                check(queue)
        check(queue)
