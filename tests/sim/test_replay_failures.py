"""Node failures in the replay: outages interrupt jobs, repairs hold nodes out of service,
counts follow the model's rates, accelerator-seconds are conserved."""

from __future__ import annotations

import math

import numpy as np

import gigawatt.sched.topology  # noqa: F401
from gigawatt.failures.analytic import daly_interval_s
from gigawatt.failures.exposure import JobShape, job_rates
from gigawatt.failures.load import load_failure_model
from gigawatt.failures.outages import Outages
from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState
from gigawatt.sched.jobs import JobTable, simple_jobs
from gigawatt.sched.queue import Decision, JobQueue, QueuePolicy, make_queue_policy
from gigawatt.sim.replay import JobStop, NodeFailures, fleet_failures, replay
from gigawatt.sim.replay_summary import summarize_replay

DAY_S = 86_400.0


def _outages(node: list[int], down: list[float], up: list[float], cause: list[int]) -> Outages:
    return Outages(
        node=np.array(node, np.int64),
        down_s=np.array(down),
        up_s=np.array(up),
        cause=np.array(cause, np.int64),
    )


def _busy_fleet_jobs(nodes: int, per_node: int, horizon_s: float) -> JobTable:
    """One never-ending whole-node job per node, with hourly checkpoints."""
    jobs = simple_jobs(np.zeros(nodes), np.full(nodes, 10 * horizon_s), np.full(nodes, per_node))
    object.__setattr__(jobs, "checkpoint_s", np.full(nodes, 3600.0))
    return jobs


class _GuardedPolicy:
    """FIFO that checks every placement lands on nodes in service and out of repair."""

    def __init__(self, repair: list[tuple[int, float, float]]) -> None:
        self.inner = make_queue_policy("fifo")
        self.name = self.inner.name
        self.repair = repair
        self.placements = 0

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = self.inner.admit(queue, state, now)
        for decision in decisions:
            placed = decision.allocation.nodes
            assert state.node_up[placed].all()
            for node, down, up in self.repair:
                assert not (node in placed.tolist() and down <= now < up), (node, now)
            self.placements += 1
        return decisions


def test_without_outages_the_replay_is_unchanged() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 4, 8, 1, 0.0)])
    rng = np.random.default_rng(3)
    jobs = simple_jobs(rng.uniform(0, 500, 80), rng.uniform(5, 50, 80), rng.choice([1, 4, 8], 80))
    plain = replay(fleet, jobs, make_queue_policy("easy-backfill"), 2000.0, 100.0)
    empty = NodeFailures(_outages([], [], [], []), ("gpu",), 240.0)
    quiet = replay(fleet, jobs, make_queue_policy("easy-backfill"), 2000.0, 100.0, None, empty)
    assert plain.failures is None
    for field in ("start_s", "end_s", "type_index", "nodes", "interruptions"):
        assert np.array_equal(
            getattr(plain.records, field), getattr(quiet.records, field), equal_nan=True
        )
    assert np.array_equal(plain.group_busy_s, quiet.group_busy_s)
    assert plain.events == quiet.events
    assert quiet.failures is not None and quiet.failures.interruptions_by_cause.sum() == 0


def test_a_failed_node_interrupts_its_job_and_stays_out_until_repaired() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 2, 4, 1, 0.0)])
    jobs = simple_jobs(np.array([0.0, 0.0]), np.array([100.0, 1000.0]), np.array([4, 4]))
    object.__setattr__(jobs, "checkpoint_s", np.array([10.0, 10.0]))
    # Node 0 (job 0) fails at 25 s for 500 s; job 0 waits for a node: job 1 ends at 1000 s.
    failures = NodeFailures(_outages([0], [25.0], [525.0], [0]), ("gpu",), 5.0)
    policy = _GuardedPolicy([(0, 25.0, 525.0)])
    result = replay(fleet, jobs, policy, 5000.0, 50.0, None, failures)
    assert result.records.interruptions.tolist() == [1, 0]
    # Rolled back to 20 s: 80 s left + 5 s restart, from 525 s on the repaired node.
    assert result.records.end_s[0] == 525.0 + 85.0
    records = result.failures
    assert records is not None
    assert records.interruptions_by_cause.tolist() == [1]
    assert records.rolled_back_accelerator_s_by_cause.tolist() == [4 * 5.0]
    assert records.restart_accelerator_s_by_cause.tolist() == [4 * 5.0]
    assert records.job_run_s[0] == 25.0 + 85.0
    assert records.repair_nodes[result.samples.time_s == 50.0].tolist() == [1]
    assert records.repair_nodes[result.samples.time_s == 550.0].tolist() == [0]
    summary = summarize_replay(result).failures
    assert summary is not None
    assert math.isclose(summary.tenant_goodput["default"] if "default" in summary.tenant_goodput
                        else next(iter(summary.tenant_goodput.values())),
                        (4 * (110 - 10) + 4 * 1000) / (4 * 110 + 4 * 1000))  # fmt: skip


def test_interruptions_match_the_models_rate_times_exposure() -> None:
    # 64 busy 8-GPU nodes for two years under Llama 3's rates: ~180 expected outages.
    horizon_s = 730 * DAY_S
    fleet = build_fleet([HallBlock("s", "h", "h100", 64, 8, 1, 0.0)])
    jobs = _busy_fleet_jobs(64, 8, horizon_s)
    model = load_failure_model("llama3-2024")
    failures = fleet_failures(model, fleet, horizon_s, seed=11)
    policy = _GuardedPolicy([])
    result = replay(fleet, jobs, policy, horizon_s, DAY_S, None, failures)
    records = result.failures
    assert records is not None
    # A failure only counts while its node is in service (Poisson thinning), so the exposure is
    # the online accelerator- (node-) seconds the replay measured.
    online_acc_s = float(result.group_online_s.sum())
    expected = sum(
        c.rate_per_unit_s * (online_acc_s if c.scope == "accelerator" else online_acc_s / 8)
        for c in model.components
        if c.scope in ("accelerator", "node")
    )
    planned = records.planned_by_cause
    observed = int(records.interruptions_by_cause[~planned].sum())
    # Every in-service node runs a job, so every outage interrupts exactly one job; the count is
    # Poisson with mean `expected`: 4 sigma keeps a false failure below 1e-4.
    assert int(records.node_outages_by_cause.sum()) == observed
    assert abs(observed - expected) < 4 * math.sqrt(expected), (observed, expected)
    assert expected > 150
    # Planned stops hit each job at the job-scoped rate over the time it held its nodes.
    stop = next(c for c in model.components if c.scope == "job")
    expected_planned = stop.rate_per_unit_s * float(records.job_run_s.sum())
    observed_planned = int(records.interruptions_by_cause[planned].sum())
    assert planned.tolist() == [c.scope == "job" for c in model.components]
    assert abs(observed_planned - expected_planned) < 4 * math.sqrt(expected_planned)
    # Conservation: busy accelerator-seconds = each job's held time x its accelerators.
    held = float((records.job_run_s * jobs.accelerators).sum())
    assert math.isclose(held, float(result.group_busy_s.sum()), rel_tol=1e-9)


def test_no_job_is_placed_on_a_node_in_repair() -> None:
    horizon_s = 60 * DAY_S
    fleet = build_fleet([HallBlock("s", "h", "h100", 16, 8, 1, 0.0)])
    rng = np.random.default_rng(5)
    jobs = simple_jobs(
        np.sort(rng.uniform(0, horizon_s, 3000)),
        rng.uniform(600, 2 * DAY_S, 3000),
        rng.choice([1, 8, 16, 32], 3000),
    )
    model = load_failure_model("llama3-2024")
    # Ten times the rates so repairs overlap placements often.
    failures = fleet_failures(model, fleet, horizon_s * 10, seed=2)
    outages = failures.outages
    scale = outages.down_s <= horizon_s * 10
    squeezed = Outages(
        node=outages.node[scale],
        down_s=outages.down_s[scale] / 10,
        up_s=outages.down_s[scale] / 10 + (outages.up_s - outages.down_s)[scale],
        cause=outages.cause[scale],
    )
    order = np.argsort(squeezed.down_s, kind="stable")
    squeezed = Outages(
        squeezed.node[order], squeezed.down_s[order], squeezed.up_s[order], squeezed.cause[order]
    )
    first: dict[int, tuple[float, float]] = {}
    for node, down, up in zip(
        squeezed.node.tolist(), squeezed.down_s.tolist(), squeezed.up_s.tolist(), strict=True
    ):
        first.setdefault(node, (down, up))
    policy = _GuardedPolicy([(n, d, u) for n, (d, u) in first.items() if u > d])
    result = replay(
        fleet, jobs, policy, horizon_s, 3600.0, None,
        NodeFailures(squeezed, failures.causes, failures.restart_s),
    )  # fmt: skip
    assert policy.placements > 300
    assert result.failures is not None and result.failures.repair_nodes.max() >= 1
    held = float((result.failures.job_run_s * jobs.accelerators).sum())
    assert math.isclose(held, float(result.group_busy_s.sum()), rel_tol=1e-9)


_ = QueuePolicy  # the guard implements it structurally


class _IndexChecker:
    """EASY backfill that, after every admit, compares the cluster's node -> running jobs
    index with a plain scan of every allocation, on random node sets."""

    def __init__(self, nodes: int) -> None:
        self.inner = make_queue_policy("easy-backfill")
        self.name = self.inner.name
        self.rng = np.random.default_rng(9)
        self.nodes = nodes
        self.checks = 0

    def order_key(self, jobs: JobTable, job: int) -> tuple[float, ...]:
        return self.inner.order_key(jobs, job)

    def admit(self, queue: JobQueue, state: ClusterState, now: float) -> list[Decision]:
        decisions = self.inner.admit(queue, state, now)
        for size in (1, 3, 40):
            probe = self.rng.choice(self.nodes, size, replace=False).astype(np.int64)
            down = np.zeros(self.nodes, bool)
            down[probe] = True
            scanned = [a.job for a in state.allocations.values() if down[a.nodes].any()]
            assert [a.job for a in state.running_on(probe)] == scanned
            self.checks += 1
        return decisions


def test_the_node_index_finds_the_same_jobs_as_a_scan_of_every_allocation() -> None:
    horizon_s = 20 * DAY_S
    fleet = build_fleet([HallBlock("s", "h", "h100", 64, 8, 4, 0.0)])
    rng = np.random.default_rng(4)
    share = rng.random(600) < 0.2  # a fifth share one accelerator at half
    jobs = simple_jobs(
        np.sort(rng.uniform(0, horizon_s, 600)),
        rng.uniform(600, 2 * DAY_S, 600),
        np.where(share, 1, rng.choice([1, 3, 8, 12, 48, 160], 600)),
        gpu_milli=np.where(share, 500, 1000),
    )
    failures = fleet_failures(load_failure_model("llama3-2024"), fleet, horizon_s * 50, seed=3)
    policy = _IndexChecker(fleet.node_count)
    result = replay(fleet, jobs, policy, horizon_s, DAY_S, None, failures)
    assert policy.checks > 300
    assert result.failures is not None and result.failures.interruptions_by_cause.sum() > 5


def _one_job(duration_s: float, checkpoint_s: float, cost_s: float, stateless: bool) -> JobTable:
    jobs = simple_jobs(np.array([0.0]), np.array([duration_s]), np.array([4]))
    object.__setattr__(jobs, "checkpoint_s", np.array([checkpoint_s]))
    object.__setattr__(jobs, "checkpoint_cost_s", np.array([cost_s]))
    object.__setattr__(jobs, "stateless", np.array([stateless]))
    return jobs


def test_checkpoint_writes_lengthen_the_run_and_count_as_overhead_not_goodput() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 1, 4, 1, 0.0)])
    none = NodeFailures(_outages([], [], [], []), ("gpu",), 10.0)
    # 100 s of work in 30 s blocks: three 5 s writes (none after the last block).
    result = replay(fleet, _one_job(100.0, 30.0, 5.0, False), make_queue_policy("fifo"),
                    1000.0, 100.0, None, none)  # fmt: skip
    assert result.records.end_s.tolist() == [115.0]
    assert result.records.checkpoint_overhead_s.tolist() == [15.0]
    summary = summarize_replay(result).failures
    assert summary is not None
    assert math.isclose(summary.goodput, 100.0 / 115.0)
    assert math.isclose(summary.checkpoint_overhead_accelerator_h, 4 * 15.0 / 3600.0)


def test_a_failure_during_a_checkpoint_write_loses_that_block() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 2, 4, 1, 0.0)])
    # Work 0-30, write 30-35, work 35-65, write 65-70: node 0 fails at 68, mid-write.
    failures = NodeFailures(_outages([0], [68.0], [5000.0], [0]), ("gpu",), 10.0)
    result = replay(fleet, _one_job(100.0, 30.0, 5.0, False), make_queue_policy("fifo"),
                    10_000.0, 100.0, None, failures)  # fmt: skip
    # 30 s saved; from 68 s on node 1: 10 s restart, 70 s of work with two writes.
    assert result.records.end_s.tolist() == [68.0 + 10.0 + 70.0 + 10.0]
    records = result.failures
    assert records is not None
    assert records.job_lost_s.tolist() == [30.0 + 10.0]  # the unsaved block + the restart
    assert result.records.checkpoint_overhead_s.tolist() == [5.0 + 3.0 + 10.0]
    # What is left of the held time is exactly the job's work.
    useful = records.job_run_s - records.job_lost_s - result.records.overhead_s
    assert math.isclose(float(useful[0]), 100.0)


def test_a_stateless_job_resumes_without_rolling_back() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 2, 4, 1, 0.0)])
    failures = NodeFailures(_outages([0], [40.0], [5000.0], [0]), ("gpu",), 10.0)
    ends = {}
    for stateless in (True, False):
        jobs = _one_job(100.0, math.inf, 0.0, stateless)
        result = replay(fleet, jobs, make_queue_policy("fifo"), 10_000.0, 100.0, None, failures)
        ends[stateless] = result.records.end_s[0]
        assert result.records.interruptions.tolist() == [1]
    assert ends[True] == 40.0 + 10.0 + 60.0  # only the restart is lost
    assert ends[False] == 40.0 + 10.0 + 100.0  # never checkpoints: starts over


def test_auto_checkpoint_interval_is_young_daly_from_the_jobs_mtti() -> None:
    model = load_failure_model("llama3-2024")
    fleet = build_fleet([HallBlock("s", "h", "h100", 64, 8, 1, 0.0)])
    work_s = 10 * DAY_S
    jobs = simple_jobs(np.array([0.0]), np.array([work_s]), np.array([512]))
    object.__setattr__(jobs, "checkpoint_s", np.array([np.nan]))  # auto
    quiet = NodeFailures(_outages([], [], [], []), ("gpu",), 600.0, 120.0, model)
    result = replay(fleet, jobs, make_queue_policy("fifo"), 20 * DAY_S, DAY_S, None, quiet)
    rates = job_rates(model, JobShape(512, 8, 8))
    mtti_s = 1.0 / rates.unplanned_per_s
    interval = daly_interval_s(120.0, mtti_s)
    writes = math.ceil(work_s / interval) - 1
    assert result.records.checkpoint_overhead_s.tolist() == [writes * 120.0]
    assert result.records.end_s[0] == work_s + writes * 120.0
    # Daly's interval is Young's sqrt(2 C M) to first order (C << M here).
    assert abs(interval / math.sqrt(2 * 120.0 * mtti_s) - 1) < 0.05
    # Without a failure model, auto means never checkpointing.
    plain = replay(fleet, jobs, make_queue_policy("fifo"), 20 * DAY_S, DAY_S)
    assert plain.records.checkpoint_overhead_s.tolist() == [0.0]


def test_auto_with_free_checkpoints_saves_continuously() -> None:
    # Checkpoint cost 0: the Young/Daly optimum tends to 0 (save all the time); the job loses
    # only the restart, like a stateless one, and writes cost nothing.
    model = load_failure_model("llama3-2024")
    fleet = build_fleet([HallBlock("s", "h", "gpu", 2, 4, 1, 0.0)])
    failures = NodeFailures(_outages([0], [40.0], [5000.0], [0]), ("gpu",), 10.0, 0.0, model)
    result = replay(fleet, _one_job(100.0, math.nan, 0.0, False), make_queue_policy("fifo"),
                    10_000.0, 100.0, None, failures)  # fmt: skip
    assert result.records.end_s.tolist() == [40.0 + 10.0 + 60.0]
    assert result.records.checkpoint_overhead_s.tolist() == [0.0]
    records = result.failures
    assert records is not None and records.job_lost_s.tolist() == [10.0]


def test_a_hall_spare_replaces_a_failed_node_at_once_until_the_pool_is_empty() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 2, 4, 1, 0.0)])
    jobs = simple_jobs(np.array([0.0, 0.0]), np.array([100.0, 100.0]), np.array([4, 4]))
    object.__setattr__(jobs, "checkpoint_s", np.array([10.0, 10.0]))
    # Node 0 fails at 25 s, node 1 at 35 s, each for 500 s; one spare in the hall.
    outages = _outages([0, 1], [25.0, 35.0], [525.0, 535.0], [0, 0])
    result = replay(fleet, jobs, make_queue_policy("fifo"), 5000.0, 50.0, None,
                    NodeFailures(outages, ("gpu",), 5.0, spares_per_hall=1))  # fmt: skip
    # Job 0 resumes on the spare at once (20 s saved, 80 s + 5 s restart); the pool is then
    # empty, so node 1 stays out and job 1 (30 s saved) waits for job 0's node to free up.
    assert result.records.end_s[0] == 25.0 + 5.0 + 80.0
    assert result.records.end_s[1] == 110.0 + 5.0 + 70.0
    records = result.failures
    assert records is not None
    assert records.spare_swaps == 1
    at = result.samples.time_s
    assert records.spares_in_use[at == 50.0].tolist() == [1]
    assert records.spares_in_use[at == 550.0].tolist() == [0]
    assert records.repair_nodes[at == 50.0].tolist() == [2]  # both in repair
    assert records.repair_accelerators[at == 50.0].tolist() == [4.0]  # only one out of service
    summary = summarize_replay(result).failures
    assert summary is not None and summary.spares_in_use_max == 1
    no_spares = replay(fleet, jobs, make_queue_policy("fifo"), 5000.0, 50.0, None,
                       NodeFailures(outages, ("gpu",), 5.0))  # fmt: skip
    assert no_spares.records.end_s[0] == 525.0 + 5.0 + 80.0


def test_a_gang_restarts_in_place_when_nothing_needs_repair_or_a_spare_stands_in() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 3, 4, 1, 0.0)])
    # Job 0: a two-node gang; job 1 (higher priority) arrives at 1 s and waits for two nodes.
    jobs = simple_jobs(np.array([0.0, 1.0]), np.array([100.0, 50.0]), np.array([8, 8]))
    object.__setattr__(jobs, "checkpoint_s", np.array([10.0, 10.0]))
    object.__setattr__(jobs, "priority", np.array([0, 1], np.int64))
    for up in (25.0, 525.0):  # a software fault (no repair), then a repair with a hall spare
        outages = _outages([0], [25.0], [up], [0])
        result = replay(fleet, jobs, make_queue_policy("priority"), 5000.0, 50.0, None,
                        NodeFailures(outages, ("gpu",), 5.0, spares_per_hall=1))  # fmt: skip
        # Job 0 keeps its nodes: rolled back to 20 s, 5 s restart, 80 s left. Requeued instead,
        # job 1 would have taken the freed nodes first and job 0 would have ended at 160 s.
        assert result.records.interruptions.tolist() == [1, 0]
        assert result.records.end_s[0] == 25.0 + 5.0 + 80.0
        assert result.records.start_s[1] == 110.0
        records = result.failures
        assert records is not None
        assert records.interruptions_by_cause.tolist() == [1]
        assert records.rolled_back_accelerator_s_by_cause.tolist() == [8 * 5.0]
        assert records.restart_accelerator_s_by_cause.tolist() == [8 * 5.0]
        assert records.spare_swaps == (1 if up > 25.0 else 0)
        assert math.isclose(float(result.group_busy_s.sum()), 8 * 110.0 + 8 * 50.0)


def test_a_spares_share_gives_each_hall_its_share_of_nodes_rounded_up() -> None:
    fleet = build_fleet(
        [HallBlock("s", "a", "gpu", 10, 4, 1, 0.0), HallBlock("s", "b", "gpu", 120, 4, 1, 0.0)]
    )
    model = load_failure_model("llama3-2024")
    failures = fleet_failures(model, fleet, DAY_S, 0, spares_share=0.02)
    assert failures.spares_by_hall == (1, 3)  # ceil(0.2), ceil(2.4)
    assert fleet_failures(model, fleet, DAY_S, 0, spares_per_hall=5).spares_by_hall is None


def test_a_planned_stop_loses_no_work_but_costs_the_restart() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 1, 4, 1, 0.0)])
    quiet = _outages([], [], [], [])
    ends, lost = {}, {}
    for loses_work in (False, True):
        # 100 s of work in 30 s blocks with 5 s writes; a job stop every ~40 s, 10 s restart.
        stops = (JobStop(0, 1 / 40.0, loses_work),)
        failures = NodeFailures(quiet, ("planned",), 10.0, job_stops=stops, seed=5)
        result = replay(fleet, _one_job(100.0, 30.0, 5.0, False), make_queue_policy("fifo"),
                        10_000.0, 100.0, None, failures)  # fmt: skip
        records = result.failures
        assert records is not None
        stopped = int(result.records.interruptions[0])
        assert stopped >= 2 and records.interruptions_by_cause.tolist() == [stopped]
        assert records.node_outages_by_cause.tolist() == [0]
        # Held time = work + checkpoint writes + what the stops cost; the work is all there.
        overhead = float(result.records.overhead_s[0])
        useful = float(records.job_run_s[0] - records.job_lost_s[0]) - overhead
        assert math.isclose(useful, 100.0)
        assert math.isclose(float(result.records.end_s[0]), float(records.job_run_s[0]))
        ends[loses_work], lost[loses_work] = float(result.records.end_s[0]), records
        summary = summarize_replay(result).failures
        assert summary is not None
        assert summary.planned_interruptions == (0 if loses_work else stopped)
        assert summary.causes[0].planned is not loses_work
    planned, unplanned = lost[False], lost[True]
    # Planned: nothing rolled back, only restarts (10 s each, or less when a stop cuts one).
    assert planned.rolled_back_accelerator_s_by_cause.tolist() == [0.0]
    restart_s = float(planned.restart_accelerator_s_by_cause[0]) / 4
    assert math.isclose(restart_s, float(planned.job_lost_s[0]))
    assert 0 < restart_s <= 10.0 * int(planned.interruptions_by_cause[0])
    assert planned.planned_by_cause.tolist() == [True]
    # The same first stop losing work rolls back and the job ends later.
    assert float(unplanned.rolled_back_accelerator_s_by_cause[0]) > 0
    assert unplanned.planned_by_cause.tolist() == [False]
    assert ends[True] > ends[False]


def test_stateless_jobs_and_jobs_that_never_checkpoint_get_no_planned_stops() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 1, 4, 1, 0.0)])
    stops = (JobStop(0, 1 / 40.0),)
    failures = NodeFailures(_outages([], [], [], []), ("planned",), 10.0, job_stops=stops)
    for interval, stateless in ((math.inf, False), (30.0, True)):
        jobs = _one_job(100.0, interval, 0.0, stateless)
        result = replay(fleet, jobs, make_queue_policy("fifo"), 10_000.0, 100.0, None, failures)
        assert result.records.interruptions.tolist() == [0]
        assert result.records.end_s.tolist() == [100.0]


def test_planned_stops_repeat_exactly_with_the_same_seed() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 4, 4, 1, 0.0)])
    rng = np.random.default_rng(1)
    jobs = simple_jobs(rng.uniform(0, 500, 40), rng.uniform(50, 500, 40), rng.choice([4, 8], 40))
    object.__setattr__(jobs, "checkpoint_s", np.full(40, 60.0))
    runs = []
    for seed in (3, 3, 4):
        failures = NodeFailures(_outages([], [], [], []), ("planned",), 10.0,
                                job_stops=(JobStop(0, 1 / 200.0),), seed=seed)  # fmt: skip
        runs.append(replay(fleet, jobs, make_queue_policy("fifo"), 20_000.0, 100.0, None,
                           failures))  # fmt: skip
    assert np.array_equal(runs[0].records.end_s, runs[1].records.end_s, equal_nan=True)
    assert runs[0].records.interruptions.sum() > 0
    assert not np.array_equal(runs[0].records.end_s, runs[2].records.end_s, equal_nan=True)


def test_mtti_by_job_size_counts_unplanned_interruptions_per_band() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 5, 4, 1, 0.0)])
    # A 4-accelerator job (band 1-8) and a 16-accelerator one (band 9-64) fill the 5 nodes.
    jobs = simple_jobs(np.zeros(2), np.array([400.0, 400.0]), np.array([4, 16]))
    object.__setattr__(jobs, "checkpoint_s", np.array([10.0, 10.0]))
    # Every node fails once (spares stand in: restarts in place); planned stops come on top.
    outages = _outages([0, 1, 2, 3, 4], [30.0, 40.0, 50.0, 60.0, 70.0], [900.0] * 5, [0] * 5)
    failures = NodeFailures(
        outages, ("gpu", "maintenance"), 5.0, spares_per_hall=10,
        job_stops=(JobStop(1, 1 / 40.0, loses_work=False),), seed=3,
    )  # fmt: skip
    result = replay(fleet, jobs, make_queue_policy("fifo"), 5000.0, 50.0, None, failures)
    records = result.failures
    assert records is not None
    planned = records.interruptions_by_cause[1]
    assert planned > 0  # the stops happened, and are not counted below
    assert records.job_unplanned.sum() == 5 == result.records.interruptions.sum() - planned
    rows = summarize_replay(result).failures.mtti_by_size  # type: ignore[union-attr]
    assert [(r.accelerators_from, r.accelerators_to, r.jobs) for r in rows] == [
        (1, 8, 1),
        (9, 64, 1),
    ]
    for row, job in zip(rows, (0, 1), strict=True):
        assert row.interruptions == records.job_unplanned[job]
        assert math.isclose(row.run_h, records.job_run_s[job] / 3600.0)
        assert row.mtti_h is not None and math.isclose(row.mtti_h, row.run_h / row.interruptions)
    # The gang on four nodes is cut four times as often as the one-node job.
    assert records.job_unplanned.tolist() == [1, 4]
