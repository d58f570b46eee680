"""Taking or giving back a gang as ``Runs`` checks every node: a span or single that is not
wholly free (take) or not wholly used (give back) is refused."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.sched.cluster import ClusterState, Runs
from gigawatt.sched.jobs import simple_jobs


def _state() -> ClusterState:
    fleet = build_fleet([HallBlock("s", "h", "g", 36, 4, 18, 0.0)])
    state = ClusterState(fleet, simple_jobs(np.zeros(1), np.array([4]), np.ones(1)))
    state.bring_online(np.arange(fleet.node_count), 0.0)
    state._set_free(5, 1)  # partly used
    return state


@pytest.mark.parametrize(
    "runs",
    [
        Runs([(0, 10)], [], {0: 10}),  # a span over node 5
        Runs([], [5], {0: 1}),  # one single
        Runs([(20, 3)], [2, 5, 7], {1: 3, 0: 3}),  # several singles
    ],
)
def test_a_gang_is_refused_a_node_that_is_not_wholly_free(runs: Runs) -> None:
    state = _state()
    with pytest.raises(ValueError, match="not wholly free"):
        state._flip_runs(0, runs, runs.array(state._all_nodes), take=True)


def test_a_gang_cannot_give_back_a_node_it_did_not_hold() -> None:
    state = _state()
    held = Runs([(20, 3)], [2, 7], {1: 3, 0: 2})
    state._flip_runs(0, held, held.array(state._all_nodes), take=True)
    assert state.type_full[0] == 36 - 1 - 5
    state._flip_runs(0, held, held.array(state._all_nodes), take=False)
    assert state.type_full[0] == 35
    wrong = Runs([(20, 3)], [2, 8], {1: 3, 0: 2})
    state._flip_runs(0, held, held.array(state._all_nodes), take=True)
    with pytest.raises(ValueError, match="not wholly its own"):
        state._flip_runs(0, wrong, wrong.array(state._all_nodes), take=False)


def test_the_numpy_counts_stay_right_when_unread_for_long() -> None:
    state = _state()
    gang = Runs([(20, 3)], [2, 7], {1: 3, 0: 2})
    for _ in range(5):  # more changes than domains between reads: copied whole
        state._flip_runs(0, gang, gang.array(state._all_nodes), take=True)
        state._flip_runs(0, gang, gang.array(state._all_nodes), take=False)
    state._flip_runs(0, gang, gang.array(state._all_nodes), take=True)
    assert state.domain_full.tolist() == [18 - 1 - 2, 18 - 3]
    state._flip_runs(0, gang, gang.array(state._all_nodes), take=False)
    assert state.domain_full.tolist() == [17, 18]
