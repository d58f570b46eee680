"""The tenants a scenario's fleet serves."""

from __future__ import annotations

from pathlib import Path

from gigawatt.scenario import load_scenario
from gigawatt.scenario.tenants import FrontierTraining, InferenceFleet, Tenant
from gigawatt.workload.tenants import scenario_workload, tenant_kinds

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "anthropic-fluidstack-2026.yaml"


def test_a_scenario_without_tenants_gets_the_default_mix() -> None:
    workload = scenario_workload(load_scenario(DEMO), seed=7)
    assert workload.seed == 7
    assert tenant_kinds(workload) == {
        "training": "frontier_training",
        "inference": "inference",
        "research": "research",
    }


def test_a_scenario_with_tenants_keeps_them_in_order() -> None:
    scenario = load_scenario(DEMO)
    tenants = [
        Tenant(name="lab", entitlement=0.6, workloads=[FrontierTraining(), InferenceFleet()]),
        Tenant(name="api", entitlement=0.4, workloads=[InferenceFleet()]),
    ]
    workload = scenario_workload(scenario.model_copy(update={"tenants": tenants}), seed=1)
    assert [t.name for t in workload.tenants] == ["lab", "api"]
    assert tenant_kinds(workload) == {"lab": "frontier_training+inference", "api": "inference"}
