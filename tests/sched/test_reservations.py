"""Time-window reservations with backfill, as scenario tables: a fleet, a reservation, jobs,
and who starts when under every queue policy."""

from __future__ import annotations

import numpy as np
import pytest

import gigawatt.sched.topology  # noqa: F401  (registers the placements)
from gigawatt.fleet.topology import Fleet, HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState
from gigawatt.sched.jobs import JobTable, simple_jobs
from gigawatt.sched.queue import JobQueue, make_queue_policy, queue_policy_names
from gigawatt.sched.reservations import Reservation, Reserving, accept_reservations
from gigawatt.sim.replay import replay


def fleet_8x4() -> Fleet:
    """8 nodes of 4 accelerators in two scale-up domains of 4 nodes (32 accelerators)."""
    return build_fleet([HallBlock("s", "h", "gpu", 8, 4, 4, 0.0)])


# Tenant a (0) reserves 16 accelerators over [100, 200). Tenant b (1) fills the rest.
WINDOW = Reservation(tenant=0, accelerators=16, type_index=0, start_s=100.0, end_s=200.0)
TABLE = [  # (name, tenant, accelerators, arrival, duration, expected start)
    ("long b, runs past the window start: only unreserved nodes", 1, 16, 0.0, 300.0, 0.0),
    ("short b, ends before the window: backfills the gap", 1, 8, 1.0, 50.0, 1.0),
    ("b that would run into the window: kept out until it ends", 1, 8, 2.0, 150.0, 200.0),
    ("a's gang, arrived before: lands at the window start", 0, 16, 50.0, 100.0, 100.0),
    ("b inside the window: not on a's capacity", 1, 4, 120.0, 10.0, 200.0),
]


def table_jobs() -> JobTable:
    return simple_jobs(
        np.array([row[3] for row in TABLE]),
        np.array([row[4] for row in TABLE]),
        np.array([row[2] for row in TABLE]),
        tenant=np.array([row[1] for row in TABLE]),
        tenants=("a", "b"),
    )


@pytest.mark.parametrize("policy", queue_policy_names())
def test_backfill_fills_the_gap_only_with_jobs_that_end_in_time(policy: str) -> None:
    fleet = fleet_8x4()
    layer = Reserving(make_queue_policy(policy), fleet, [WINDOW])
    result = replay(fleet, table_jobs(), layer, horizon_s=1e4)
    got = result.records.start_s.tolist()
    assert got == [row[5] for row in TABLE], [row[0] for row in TABLE]
    assert not layer.refused


def test_without_the_reservation_the_gang_starts_late() -> None:
    result = replay(fleet_8x4(), table_jobs(), make_queue_policy("fifo"), horizon_s=1e4)
    assert result.records.start_s[3] > WINDOW.start_s  # what the reservation buys


def test_reservation_beyond_capacity_is_refused_with_the_reason() -> None:
    fleet = fleet_8x4()
    too_big = Reservation(0, 40, 0, 10.0, 20.0, name="big")
    fits = Reservation(0, 24, 0, 10.0, 20.0, name="first")
    overlapping = Reservation(1, 12, 0, 15.0, 30.0, name="second")
    later = Reservation(1, 12, 0, 20.0, 30.0, name="after")
    accepted, refused = accept_reservations(fleet, [too_big, fits, overlapping, later])
    assert accepted == [fits, later]
    assert [r.reservation for r in refused] == [too_big, overlapping]
    assert refused[0].reason.startswith("40 gpu at any site need 10 nodes")
    assert "6 of them held by earlier reservations" in refused[1].reason


def test_capacity_not_online_for_the_whole_window_does_not_count() -> None:
    fleet = build_fleet(
        [HallBlock("s", "h0", "gpu", 2, 4, 2, 0.0), HallBlock("s", "h1", "gpu", 2, 4, 2, 150.0)]
    )
    accepted, refused = accept_reservations(fleet, [Reservation(0, 12, 0, 100.0, 200.0)])
    assert not accepted and len(refused) == 1


def test_other_tenants_never_get_held_capacity_and_the_state_is_restored() -> None:
    fleet = fleet_8x4()
    jobs = simple_jobs(
        np.zeros(3), np.full(3, 10.0), np.array([16, 4, 4]), tenant=np.array([1, 1, 0]),
        tenants=("a", "b"),
    )  # fmt: skip
    state = ClusterState(fleet, jobs)
    state.bring_online(np.arange(8), 0.0)
    layer = Reserving(make_queue_policy("fifo"), fleet, [WINDOW])
    queue = JobQueue(jobs, layer.order_key)
    for job in range(3):
        queue.push(job)
    decisions = layer.admit(queue, state, 150.0)  # inside the window
    held = set(layer.held_nodes(150.0)[0].tolist())
    assert len(held) == 4
    started = {d.job: d for d in decisions}
    assert 0 in started and 1 not in started  # b's 16 took the free half; its 4 more wait
    assert not held & set(started[0].allocation.nodes.tolist())
    assert set(started[2].allocation.nodes.tolist()) <= held  # a's own job on its nodes
    # Hidden capacity was shown again: free counts are the real ones.
    used = np.zeros(8, np.int64)
    for d in decisions:
        np.add.at(used, d.allocation.nodes, d.allocation.counts)
    assert (state.node_free == 4 - used).all()
    assert state.free_accelerators() == 32 - 20


def test_next_wakeup_is_the_next_window_edge() -> None:
    layer = Reserving(make_queue_policy("fifo"), fleet_8x4(), [WINDOW])
    assert layer.next_wakeup(0.0) == 100.0
    assert layer.next_wakeup(100.0) == 200.0
    assert layer.next_wakeup(200.0) is None


def test_site_reservation_holds_nodes_of_that_site_only() -> None:
    fleet = build_fleet(
        [HallBlock("x", "h0", "gpu", 4, 4, 4, 0.0), HallBlock("y", "h1", "gpu", 4, 4, 4, 0.0)]
    )
    y = fleet.sites.index("y")
    layer = Reserving(make_queue_policy("fifo"), fleet, [Reservation(0, 8, 0, 0.0, 50.0, site=y)])
    jobs = simple_jobs(np.zeros(1), np.ones(1), np.array([4]), tenants=("a",))
    state = ClusterState(fleet, jobs)
    state.bring_online(np.arange(8), 0.0)
    queue = JobQueue(jobs, layer.order_key)
    queue.push(0)
    layer.admit(queue, state, 0.0)
    assert (fleet.node_site[layer.held_nodes(0.0)[0]] == y).all()


# EASY with reservations (issue 14, item 7), in days: two stories of capacity sitting idle.
DAY = 86_400.0
Row = tuple[str, int, int, float, float, float]  # name, tenant, accelerators, arrival, days, start


def _days_table(fleet: Fleet, window: Reservation, table: list[Row], policy: str) -> list[float]:
    jobs = simple_jobs(
        np.array([row[3] * DAY for row in table]),
        np.array([row[4] * DAY for row in table]),
        np.array([row[2] for row in table]),
        tenant=np.array([row[1] for row in table]),
        tenants=("a", "b"),
    )
    layer = Reserving(make_queue_policy(policy), fleet, [window])
    result = replay(fleet, jobs, layer, horizon_s=400 * DAY)
    assert not layer.refused
    return [float(s) / DAY for s in result.records.start_s.tolist()]


# (a) The quick "can anything fit?" check of a backfill pass (`whole_room`) once counted the
# held nodes as used. 8 accelerators (2 nodes of 4), all held for a over days [10, 30). b's head
# would run into the window and waits until it closes; a short job of b that arrives as the
# gap's job ends (a pass after a release: the full backfill pass, with the quick check) ends
# by day 10 and must start at once on the held nodes, not after the window.
GAP_WINDOW = Reservation(tenant=0, accelerators=8, type_index=0, start_s=10 * DAY, end_s=30 * DAY)
GAP_TABLE: list[Row] = [
    ("b's job that ends before the window: runs in the gap", 1, 8, 0.0, 3.0, 0.0),
    ("b's head that would run into the window: waits until it closes", 1, 8, 1.0, 15.0, 30.0),
    ("b's short job behind it, arriving at day 3: backfills the gap at once", 1, 4, 3.0, 5.0, 3.0),
    ("a's gang: lands at its window's start", 0, 8, 9.0, 20.0, 10.0),
]


def test_easy_backfills_the_gap_before_a_window_behind_a_blocked_head() -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 2, 4, 2, 0.0)])
    got = _days_table(fleet, GAP_WINDOW, GAP_TABLE, "easy-backfill")
    assert got == [row[5] for row in GAP_TABLE], [row[0] for row in GAP_TABLE]


# (b) A window's end frees capacity as a job's end does: the blocked head is tried again at
# once. 12 accelerators (3 nodes of 4); a holds one node over days [5, 15) and runs nothing
# there. b's gang of 8 asks at day 6: only 4 are free outside the window; when it closes at
# day 15 the gang starts, not at day 30 when b's long job frees its node.
IDLE_WINDOW = Reservation(tenant=0, accelerators=4, type_index=0, start_s=5 * DAY, end_s=15 * DAY)
IDLE_TABLE: list[Row] = [
    ("b's long job on a node of its own until day 30", 1, 4, 0.0, 30.0, 0.0),
    ("b's gang of 8, blocked by the held node: starts as the window closes", 1, 8, 6.0, 5.0, 15.0),
]


@pytest.mark.parametrize("policy", queue_policy_names())
def test_the_blocked_head_starts_when_a_window_closes(policy: str) -> None:
    fleet = build_fleet([HallBlock("s", "h", "gpu", 3, 4, 3, 0.0)])
    got = _days_table(fleet, IDLE_WINDOW, IDLE_TABLE, policy)
    assert got == [row[5] for row in IDLE_TABLE], [row[0] for row in IDLE_TABLE]
