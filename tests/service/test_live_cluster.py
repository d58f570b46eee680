"""A pass never takes a tenant past its quota: two of its jobs that fit it apart but not
together are not both started (the second is rolled back and the pass goes on without it).
`LiveCluster.compact` drops the entries of finished jobs without changing anything the
service can see: the same running jobs on the same nodes with the same ends, the same queues in
the same order, the same holds, failed nodes and free capacity per node."""

from __future__ import annotations

import random

import numpy as np

from gigawatt.fleet.topology import uniform_fleet
from gigawatt.service.live_cluster import LiveCluster

TYPE = "gb200"


def snapshot(cluster: LiveCluster) -> dict[str, object]:
    jobs = cluster.jobs
    running = {}
    for job_id, (pool, index) in cluster.slot_of.items():
        allocation = cluster.pools[pool].allocations[index]
        running[job_id] = (
            pool, allocation.nodes.tolist(), allocation.counts.tolist(), allocation.start_s,
            allocation.end_estimate_s,
        )  # fmt: skip
    return {
        "running": running,
        "queues": {k: [jobs.job_id[i] for i in q] for k, q in cluster.queues.items()},
        "free": {k: (s.node_up.tolist(), s.node_free.tolist()) for k, s in cluster.pools.items()},
        "held_nodes": {r: sorted(n) for r, n in cluster.held_nodes.items()},
        "failed": cluster.failed.tolist(),
        "held": {k: v for k, v in cluster.held.items() if v},
        "due": cluster.due(float("inf")),
    }


def test_compacting_keeps_every_running_job_queue_and_hold() -> None:
    rng = random.Random(5)
    fleet = uniform_fleet(16, 4, 2, halls=2, accelerator=TYPE, site="tx-1")
    cluster = LiveCluster(fleet, 0.0, policy="priority", compact_from=10**9)
    quotas = {("acme", TYPE): 40, ("globex", TYPE): 40}
    cluster.hold("r-1", "acme", TYPE, "tx-1", 16, 0.0)
    now = 0.0
    compactions = 0
    for step in range(400):
        now += rng.uniform(0, 600)
        done = cluster.due(now)
        for _, job_id in done:
            cluster.release(job_id, now)
        if rng.random() < 0.05:
            node = rng.randrange(fleet.node_count)
            if cluster.failed[node]:
                cluster.repair(np.array([node], np.int64), now)
            else:
                cluster.fail(np.array([node], np.int64), now)
        tenant = rng.choice(["acme", "globex"])
        cluster.enqueue(
            f"j{step}", tenant, TYPE, rng.choice([1, 2, 4, 6, 8]), rng.randint(0, 2), now,
            rng.uniform(600, 7200),
        )  # fmt: skip
        cluster.admit(now, quotas)
        for tenant_id, index in cluster.jobs.tenant_index.items():
            assert cluster.held[(index, 0)] <= quotas[(tenant_id, TYPE)]
        if step % 25 == 24:
            before = snapshot(cluster)
            entries = len(cluster.jobs)
            assert cluster.compact(now)
            assert snapshot(cluster) == before
            assert len(cluster.jobs) == len(cluster.queued) + len(cluster.slot_of) < entries
            compactions += 1
    assert compactions == 16 and cluster.running() > 0 and cluster.queued


def test_a_pass_over_quota_is_rolled_back_and_the_next_job_starts() -> None:
    fleet = uniform_fleet(16, 4, 2, halls=2, accelerator=TYPE, site="tx-1")
    cluster = LiveCluster(fleet, 0.0, policy="fifo")
    cluster.enqueue("a1", "acme", TYPE, 6, 0, 1.0, 3600.0)
    cluster.enqueue("a2", "acme", TYPE, 6, 0, 2.0, 3600.0)
    cluster.enqueue("g1", "globex", TYPE, 4, 0, 3.0, 3600.0)
    started = cluster.admit(10.0, {("acme", TYPE): 8, ("globex", TYPE): 8})
    assert [s.job_id for s in started] == ["a1", "g1"]
    assert list(cluster.queued) == ["a2"] and cluster.free(TYPE) == 64 - 10
    # The rest of acme's quota is 2: a2 stays out of passes until a1 ends.
    assert cluster.admit(20.0, {("acme", TYPE): 8}) == []
    cluster.release("a1", 30.0)
    assert [s.job_id for s in cluster.admit(30.0, {("acme", TYPE): 8})] == ["a2"]
