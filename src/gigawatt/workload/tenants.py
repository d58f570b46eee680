"""Who a scenario's fleet serves: the scenario's tenants, or the default mix when it names none."""

from __future__ import annotations

from gigawatt.scenario.models import Scenario
from gigawatt.scenario.tenants import Workload, default_tenants


def scenario_workload(scenario: Scenario, seed: int) -> Workload:
    """The scenario's tenants drawing with ``seed``, or `default_tenants` (a frontier lab's
    mix) when the scenario names none."""
    if scenario.tenants:
        return Workload(tenants=list(scenario.tenants), seed=seed)
    return default_tenants(seed)


def tenant_kinds(workload: Workload) -> dict[str, str]:
    """Tenant name -> the kinds of work it runs ("frontier_training", "inference",
    "research"; joined by "+" when several), in the workload's order."""
    return {t.name: "+".join(dict.fromkeys(w.kind for w in t.workloads)) for t in workload.tenants}
