"""What a replay means for people: utilization, waiting, fairness and gang spans (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.sim.replay import ReplayResult

HOUR_S = 3600.0


def _pct(values: np.ndarray, q: float) -> float:
    finite = values[~np.isnan(values)]
    return float(np.percentile(finite, q)) if len(finite) else float("nan")


@dataclass(frozen=True)
class TenantSummary:
    """One tenant: jobs, waits and completion times (hours), share of use vs entitlement."""

    tenant: str
    jobs: int
    started: int
    finished: int
    rejected: int
    wait_p50_h: float
    wait_p95_h: float
    wait_p99_h: float
    jct_p50_h: float
    jct_p95_h: float
    demand_accelerator_h: float  # asked: accelerators x run time of jobs arrived
    used_accelerator_h: float  # ran within the horizon
    share: float  # of all accelerator-hours used
    entitlement: float  # its weight over the sum of weights
    max_domains: int  # most scale-up domains one of its jobs spanned
    mean_domains: float  # mean over its multi-node jobs (1.0 if none)
    max_halls: int
    max_sites: int


@dataclass(frozen=True)
class GroupSummary:
    """One (site, accelerator type): time-averaged utilization over the time it was online."""

    site: str
    accelerator: str
    online_accelerators_end: float
    utilization: float  # busy / online accelerator-seconds


@dataclass(frozen=True)
class ReplaySummary:
    policy: str
    placement: str
    horizon_s: float
    events: int
    jobs: int
    utilization: float
    jain_fairness: float  # Jain's index over share / entitlement (1: exactly fair)
    mean_queue_length: float
    max_queue_length: int
    tenants: list[TenantSummary]
    groups: list[GroupSummary]


def summarize_replay(result: ReplayResult) -> ReplaySummary:
    """Per tenant and per (site, type) summaries of a replay; see the dataclasses' fields."""
    jobs, records = result.jobs, result.records
    wait = records.wait_s(jobs) / HOUR_S
    jct = records.jct_s(jobs) / HOUR_S
    used_total = float(result.tenant_busy_s.sum())
    weights = jobs.tenant_weight / jobs.tenant_weight.sum()
    demand = jobs.accelerator_seconds()
    tenants: list[TenantSummary] = []
    for index, name in enumerate(jobs.tenants):
        mine = jobs.tenant == index
        multi = mine & (records.nodes > 1)
        tenants.append(
            TenantSummary(
                tenant=name,
                jobs=int(mine.sum()),
                started=int((mine & ~np.isnan(records.start_s)).sum()),
                finished=int((mine & ~np.isnan(records.end_s)).sum()),
                rejected=int((mine & records.rejected).sum()),
                wait_p50_h=_pct(wait[mine], 50),
                wait_p95_h=_pct(wait[mine], 95),
                wait_p99_h=_pct(wait[mine], 99),
                jct_p50_h=_pct(jct[mine], 50),
                jct_p95_h=_pct(jct[mine], 95),
                demand_accelerator_h=float(demand[mine].sum()) / HOUR_S,
                used_accelerator_h=float(result.tenant_busy_s[index]) / HOUR_S,
                share=float(result.tenant_busy_s[index]) / used_total if used_total else 0.0,
                entitlement=float(weights[index]),
                max_domains=int(records.domains[mine].max()) if mine.any() else 0,
                mean_domains=float(records.domains[multi].mean()) if multi.any() else 1.0,
                max_halls=int(records.halls[mine].max()) if mine.any() else 0,
                max_sites=int(records.sites[mine].max()) if mine.any() else 0,
            )
        )
    ratios = np.array([t.share / t.entitlement for t in tenants if t.jobs])
    jain = float(ratios.sum() ** 2 / (len(ratios) * (ratios**2).sum())) if ratios.any() else 1.0
    online_end = (
        result.samples.group_online[-1]
        if len(result.samples.time_s)
        else np.zeros(len(result.groups))
    )
    groups = [
        GroupSummary(
            site,
            accelerator,
            float(online_end[g]),
            float(result.group_busy_s[g] / result.group_online_s[g])
            if result.group_online_s[g] > 0
            else 0.0,
        )
        for g, (site, accelerator) in enumerate(result.groups)
    ]
    online_total = float(result.group_online_s.sum())
    queue = result.samples.queue_length
    return ReplaySummary(
        policy=result.policy,
        placement=result.placement,
        horizon_s=result.horizon_s,
        events=result.events,
        jobs=jobs.count,
        utilization=float(result.group_busy_s.sum()) / online_total if online_total else 0.0,
        jain_fairness=jain,
        mean_queue_length=float(queue.mean()) if len(queue) else 0.0,
        max_queue_length=int(queue.max()) if len(queue) else 0,
        tenants=tenants,
        groups=groups,
    )
