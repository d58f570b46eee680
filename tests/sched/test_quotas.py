"""Quotas with cohorts, borrowing and reclaim, as scenario tables replayed through the engine
(`gigawatt.sim.replay.replay` with a `Quotas` stack): who starts when, who is stopped, and
that no tenant or cohort ever holds more than its quotas allow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gigawatt.sched.topology  # noqa: F401  (registers the placements)
from gigawatt.fleet.topology import Fleet, HallBlock, build_fleet
from gigawatt.sched.engine import Engine
from gigawatt.sched.jobs import JobTable, simple_jobs
from gigawatt.sched.queue import QueuePolicy, make_queue_policy, queue_policy_names
from gigawatt.sched.quotas import Quotas
from gigawatt.sched.reservations import Reservation, Reserving
from gigawatt.sim.replay import ReplayResult, replay

POLICIES = queue_policy_names()


def fleet_of(nodes: int, per_node: int = 4) -> Fleet:
    """``nodes`` nodes of ``per_node`` accelerators of one type, 4 nodes per scale-up domain."""
    return build_fleet([HallBlock("s", "h", "gpu", nodes, per_node, 4, 0.0)])


@dataclass(frozen=True)
class Quota:
    """One tenant's quota of the fleet's one type."""

    nominal: int
    borrowing_limit: int | None = None
    cohort: str | None = None


def jobs_of(rows: list[tuple[int, int, float, float]], tenants: tuple[str, ...]) -> JobTable:
    """Jobs from (tenant, accelerators, arrival s, duration s) rows."""
    return simple_jobs(
        np.array([r[2] for r in rows], float),
        np.array([r[3] for r in rows], float),
        np.array([r[1] for r in rows]),
        tenant=np.array([r[0] for r in rows]),
        tenants=tenants,
    )


def with_quotas(inner: QueuePolicy, quotas: dict[int, Quota], types: int = 1) -> Quotas:
    layer = Quotas(inner, types)
    for tenant, quota in quotas.items():
        layer.set_quota(tenant, 0, quota.nominal, quota.borrowing_limit)
        layer.set_cohort(tenant, quota.cohort)
    return layer


def run(
    fleet: Fleet,
    jobs: JobTable,
    quotas: dict[int, Quota],
    policy: str = "fifo",
    placement: str = "topology",
    horizon_s: float = 10_000.0,
) -> tuple[Quotas, ReplayResult]:
    layer = with_quotas(make_queue_policy(policy, placement), quotas)
    return layer, replay(fleet, jobs, layer, horizon_s, sample_every_s=1.0)


# Borrowing and its limit ------------------------------------------------------------------

# 48 accelerators. Cohort "lab": a (16, may borrow 4 more) and b (16, idle); c (16) in no
# cohort. a and c each ask for 8 jobs of 4 at once.
BORROW = [(tenant, 4, 0.0, 100.0) for tenant in (0,) * 8 + (2,) * 8]
BORROW_QUOTAS = {0: Quota(16, 4, "lab"), 1: Quota(16, None, "lab"), 2: Quota(16)}


@pytest.mark.parametrize("policy", POLICIES)
def test_a_tenant_never_holds_more_than_nominal_plus_its_borrowing_limit(policy: str) -> None:
    _, result = run(fleet_of(12), jobs_of(BORROW, ("a", "b", "c")), BORROW_QUOTAS, policy)
    starts = result.records.start_s
    # a: 16 nominal + 4 borrowed from idle b = 5 jobs at once; c, in no cohort: its 16 only,
    # though 12 accelerators stay idle.
    assert sorted(starts[:8].tolist()) == [0.0] * 5 + [100.0] * 3
    assert sorted(starts[8:].tolist()) == [0.0] * 4 + [100.0] * 4
    busy = result.samples.tenant_busy
    assert busy[:, 0].max() == 20 and busy[:, 2].max() == 16


@pytest.mark.parametrize("policy", POLICIES)
def test_an_idle_tenants_quota_is_lent_within_its_cohort(policy: str) -> None:
    no_limit = {**BORROW_QUOTAS, 0: Quota(16, None, "lab")}
    _, result = run(fleet_of(12), jobs_of(BORROW, ("a", "b", "c")), no_limit, policy)
    assert result.records.start_s[:8].tolist() == [0.0] * 8  # all of idle b's 16 lent to a
    alone = {**no_limit, 0: Quota(16)}  # a without a cohort: nothing to borrow
    _, result = run(fleet_of(12), jobs_of(BORROW, ("a", "b", "c")), alone, policy)
    assert sorted(result.records.start_s[:8].tolist()) == [0.0] * 4 + [100.0] * 4


def test_a_tenant_without_quota_is_not_limited() -> None:
    rows = [(0, 4, 0.0, 100.0)] * 8
    _, result = run(fleet_of(8), jobs_of(rows, ("a", "b")), {1: Quota(4)})
    assert result.records.start_s.tolist() == [0.0] * 8


# Reclaim ------------------------------------------------------------------------------------

# 32 accelerators, cohort of a (16) and b (16). b idle: a borrows all of it, one job a second;
# at 100 b asks for two jobs of 8, within its nominal quota.
RECLAIM = [(0, 4, float(k), 1000.0) for k in range(8)] + [(1, 8, 100.0, 50.0)] * 2
RECLAIM_QUOTAS = {0: Quota(16, None, "lab"), 1: Quota(16, None, "lab")}


@pytest.mark.parametrize("policy", POLICIES)
def test_reclaim_stops_the_borrowers_latest_jobs_and_starts_the_lender(policy: str) -> None:
    layer, result = run(fleet_of(8), jobs_of(RECLAIM, ("a", "b")), RECLAIM_QUOTAS, policy)
    records = result.records
    assert records.start_s[8:].tolist() == [100.0, 100.0]  # b at once
    # a's four latest jobs (started at 4..7 s) were stopped, requeued, and ran again when b's
    # ended (without checkpoints they start over: 1000 s more).
    assert records.interruptions.tolist() == [0] * 4 + [1] * 4 + [0, 0]
    assert records.end_s[4:8].tolist() == [1150.0] * 4
    assert records.end_s[:4].tolist() == [1000.0, 1001.0, 1002.0, 1003.0]
    assert layer.reclaim_stops == {(0, 0): 4}
    busy = result.samples.tenant_busy
    assert busy[:, 1].max() == 16 and busy.sum(axis=1).max() == 32


@pytest.mark.parametrize("policy", ["fifo", "easy-backfill"])
def test_every_lender_job_reclaims_at_the_same_instant(policy: str) -> None:
    # Regression: one reclaim per pass left most of b's 20 jobs waiting for an unrelated event
    # (the engine runs at most a few passes an instant).
    rows = [(0, 1, 0.0, 1000.0)] * 40 + [(1, 1, 100.0, 50.0)] * 20
    quotas = {0: Quota(20, None, "lab"), 1: Quota(20, None, "lab")}
    layer, result = run(fleet_of(10), jobs_of(rows, ("a", "b")), quotas, policy)
    assert result.records.start_s[40:].tolist() == [100.0] * 20
    assert layer.reclaim_stops == {(0, 0): 20}


@pytest.mark.parametrize("policy", ["fifo", "easy-backfill"])
def test_reclaim_when_the_fleet_is_short_of_the_quotas(policy: str) -> None:
    # Regression: quotas that add up to more than the fleet (a twin's fleet grows into them).
    # a (16) borrows the whole fleet of 32; b (32) asks for 16: the cohort's quota has room for
    # it, the fleet does not, and only a's borrowing is in the way.
    rows = [(0, 4, float(k), 1000.0) for k in range(8)] + [(1, 16, 100.0, 50.0)]
    quotas = {0: Quota(16, None, "lab"), 1: Quota(32, None, "lab")}
    layer, result = run(fleet_of(8), jobs_of(rows, ("a", "b")), quotas, policy)
    assert result.records.start_s[8] == 100.0
    assert layer.reclaim_stops == {(0, 0): 4}


def test_no_reclaim_for_a_job_the_free_capacity_holds() -> None:
    # fifo keeps b's small job behind c's blocked head although it fits: the queue policy's
    # order, not a's borrowing, makes it wait, so nothing of a's is stopped.
    rows = [(0, 4, float(k), 1000.0) for k in range(5)]  # a holds 20 (nominal 8)
    rows += [(2, 32, 50.0, 10.0), (1, 4, 100.0, 10.0)]
    quotas = {0: Quota(8, None, "lab"), 1: Quota(24, None, "lab")}
    layer, result = run(fleet_of(8), jobs_of(rows, ("a", "b", "c")), quotas, "fifo")
    assert result.records.interruptions.sum() == 0 and layer.reclaim_stops == {}
    assert result.records.start_s[6] > 100.0


def test_a_reclaim_that_cannot_start_the_job_stops_nothing() -> None:
    # c (no quota) holds half the fleet; a (8) borrows 8 more of b's quota. At 100 b asks for
    # 16: the cohort has room for it once a gives back what it borrowed, the fleet does not
    # while c runs (8 free): the plan is rolled back. At 500 c's job ends: now it can.
    rows = [(2, 16, 0.0, 500.0)] + [(0, 4, 1.0 + k, 1000.0) for k in range(4)]
    rows += [(1, 16, 100.0, 10.0)]
    quotas = {0: Quota(8, None, "lab"), 1: Quota(16, None, "lab")}
    layer, result = run(fleet_of(8), jobs_of(rows, ("a", "b", "c")), quotas, "fifo")
    time_s, busy = result.samples.time_s, result.samples.tenant_busy
    assert (busy[(time_s >= 100.0) & (time_s < 500.0), 0] == 16).all()  # a kept its jobs
    assert result.records.start_s[5] == 500.0
    assert layer.reclaim_stops == {(0, 0): 2}  # a's two latest, at 500: back after b's end
    assert result.records.end_s[1:5].tolist() == [1001.0, 1002.0, 1510.0, 1510.0]


@pytest.mark.parametrize("placement", ["topology", "spread"])
def test_a_reclaimed_start_is_not_placed_on_reserved_nodes(placement: str) -> None:
    # Regression: the reclaim placed b's job outside the reservation layer's pass, where c's
    # held nodes look free (with `spread` it landed on one).
    fleet = fleet_of(8)
    rows = [(0, 4, 0.0, 1000.0)] * 4 + [(1, 8, 200.0, 50.0)]
    window = Reservation(tenant=2, accelerators=16, type_index=0, start_s=100.0, end_s=1000.0)
    reserving = Reserving(make_queue_policy("fifo", placement), fleet, [window])
    quotas = {0: Quota(8, None, "lab"), 1: Quota(8, None, "lab")}
    layer = with_quotas(reserving, quotas)
    engine = Engine(fleet, jobs_of(rows, ("a", "b", "c")), layer, horizon_s=2000.0, record=True)
    engine.feed_arrivals()
    while engine.next_event_s() <= 2000.0:
        engine.advance(engine.next_event_s())
    assert engine.outcomes is not None
    held = set(reserving.held_nodes(500.0)[0].tolist())
    started = [o for o in engine.outcomes if o.kind == "started" and o.job == 4]
    assert started and started[0].at == 200.0
    assert started[0].allocation is not None
    assert not held & set(started[0].allocation.nodes.tolist())
    assert layer.reclaim_stops == {(0, 0): 2}


# The invariants, over random submissions --------------------------------------------------

_TENANTS = ("a", "b", "c", "d")


@st.composite
def quota_cases(draw: st.DrawFn) -> tuple[dict[int, Quota], list[tuple[int, int, float, float]]]:
    quotas: dict[int, Quota] = {}
    for tenant in range(len(_TENANTS)):
        if draw(st.booleans()) or tenant == 0:
            quotas[tenant] = Quota(
                draw(st.integers(0, 40)),
                draw(st.none() | st.integers(0, 16)),
                draw(st.sampled_from([None, "x", "x", "y"])),
            )
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(_TENANTS) - 1),
                st.sampled_from([1, 2, 4, 8, 12, 16]),
                st.integers(0, 300).map(float),
                st.integers(1, 200).map(float),
            ),
            min_size=1,
            max_size=40,
        )
    )
    return quotas, rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=quota_cases(), policy=st.sampled_from(POLICIES))
def test_no_tenant_or_cohort_ever_holds_more_than_its_quotas_allow(
    case: tuple[dict[int, Quota], list[tuple[int, int, float, float]]], policy: str
) -> None:
    quotas, rows = case
    fleet = fleet_of(8)
    _, result = run(fleet, jobs_of(rows, _TENANTS), quotas, policy, horizon_s=1000.0)
    busy = result.samples.tenant_busy  # one type: a tenant's use of it, every second
    cohorts: dict[str, list[int]] = {}
    for tenant, quota in quotas.items():
        limit = quota.nominal
        if quota.cohort is not None:
            cohorts.setdefault(quota.cohort, []).append(tenant)
            limit += 10**9 if quota.borrowing_limit is None else quota.borrowing_limit
        assert busy[:, tenant].max() <= limit, (tenant, quota)
    for members in cohorts.values():
        nominal = sum(quotas[m].nominal for m in members)
        assert busy[:, members].sum(axis=1).max() <= nominal, members
    # Conservation: what the jobs held equals what the fleet was busy with.
    assert busy.sum(axis=1).max() <= fleet.total_accelerators
