"""Workload generators: demand follows the fleet; runs fit their type; draws repeat by seed."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from gigawatt.fleet.topology import HallBlock, build_fleet
from gigawatt.scenario.tenants import (
    FrontierTraining,
    InferenceFleet,
    ResearchPool,
    Tenant,
    Workload,
    default_tenants,
)
from gigawatt.traces.philly import load_research_mix
from gigawatt.workload.generators import generate_jobs

YEAR_S = 365 * 86_400.0


def fleet():  # type: ignore[no-untyped-def]
    return build_fleet(
        [
            HallBlock("s", "a", "tpu7x", 20_000, 4, 2304, 0.0),
            HallBlock("s", "b", "gb300-nvl72", 10_000, 4, 18, YEAR_S / 2),
        ]
    )


def test_research_demand_is_its_share_of_online_capacity() -> None:
    spec = ResearchPool(share_of_fleet=0.2, size_scale=8)
    workload = Workload(tenants=[Tenant(name="r", entitlement=1, workloads=[spec])], seed=3)
    jobs = generate_jobs(workload, fleet(), YEAR_S, load_research_mix())
    online_accelerator_s = 80_000 * YEAR_S + 40_000 * YEAR_S / 2
    asked = jobs.accelerator_seconds().sum() / online_accelerator_s
    assert asked == pytest.approx(0.2, rel=0.15)  # heavy-tailed run times: loose on one draw
    assert set(np.unique(jobs.accelerators) % 8) == {0}


def test_frontier_runs_fit_half_their_type_and_are_pinned_to_it() -> None:
    workload = Workload(
        tenants=[Tenant(name="t", entitlement=1, workloads=[FrontierTraining(runs_per_year=40)])]
    )
    f = fleet()
    jobs = generate_jobs(workload, f, YEAR_S, load_research_mix())
    assert jobs.count > 10
    assert (jobs.accelerators <= 40_000).all()
    assert set(jobs.allowed.tolist()) <= {
        1 << f.types.index("tpu7x"),
        1 << f.types.index("gb300-nvl72"),
    }


def test_inference_arrivals_follow_the_day() -> None:
    spec = InferenceFleet(
        share_of_fleet=0.5, group_accelerators=64, group_hours=1, peak_to_trough=3
    )
    workload = Workload(tenants=[Tenant(name="i", entitlement=1, workloads=[spec])])
    jobs = generate_jobs(workload, fleet(), 30 * 86_400.0, load_research_mix())
    hour = (jobs.arrival_s / 3600 % 24).astype(int)
    per_hour = np.bincount(hour, minlength=24)
    assert per_hour[18] / per_hour[6] == pytest.approx(3.0, rel=0.1)


def test_same_seed_same_jobs() -> None:
    a = generate_jobs(default_tenants(5), fleet(), YEAR_S / 4, load_research_mix())
    b = generate_jobs(default_tenants(5), fleet(), YEAR_S / 4, load_research_mix())
    assert np.array_equal(a.arrival_s, b.arrival_s) and np.array_equal(
        a.accelerators, b.accelerators
    )


def test_tenant_names_must_be_unique_and_fields_known() -> None:
    with pytest.raises(ValidationError):
        Workload(tenants=[Tenant(name="x", entitlement=1, workloads=[ResearchPool()])] * 2)
    with pytest.raises(ValidationError):
        ResearchPool(share=0.1)  # type: ignore[call-arg]
