"""Simulated utilization of one sweep sample: build the sample's planned fleet, draw the
scenario's tenants' jobs and replay them (the same steps as ``gigawatt simulate SCENARIO``:
`gigawatt.pipeline.Pipeline.simulation`), then hand the fleet's utilization to finance.

Cost: the replay dominates. The demo scenario replays about 2.6 s for 3 months and ~20 s for
12, so a sweep with simulation runs about 1,000x slower than plan+finance alone; keep
``months`` small. The window starts at the scenario's ``program.start``; a sample with no
accelerator online in it has no simulated utilization (None), and finance keeps the sampled
(or scenario) utilization for it.

Every sample draws its jobs with the same seed (common random numbers), so utilization
differs between samples because their fleets differ, not because of sampling noise."""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.catalog.models import Catalog
from gigawatt.pipeline import Pipeline, SimulationOptions
from gigawatt.plan.buildout import Buildout
from gigawatt.scenario.models import Scenario


@dataclass(frozen=True)
class SimulationSettings:
    """How each sample is simulated. Defaults are `gigawatt simulate`'s, except the months:
    3, the smallest window in which the demo scenario has accelerators online."""

    months: int = 3
    queue: str = "easy-backfill"
    placement: str = "topology"
    seed: int = 42
    contracts: bool = True  # include contracted (cloud) capacity in the fleet
    sample_hours: float = 24.0  # only the series use it; utilization is exact

    def options(self) -> SimulationOptions:
        """The pipeline's simulation options for these settings (no failures)."""
        return SimulationOptions(
            months=self.months,
            queue=self.queue,
            placement=self.placement,
            seed=self.seed,
            contracts=self.contracts,
            sample_hours=self.sample_hours,
        )


def simulated_utilization(
    scenario: Scenario, catalog: Catalog, buildout: Buildout, settings: SimulationSettings
) -> float | None:
    """Busy / online accelerator-seconds of the fleet over the first `settings.months` months
    of the program (0..1), or None when no accelerator is online in that window."""
    pipeline = Pipeline(scenario, settings.options(), catalog=catalog, plan=buildout)
    result = pipeline.simulation.result
    online_s = float(result.group_online_s.sum())
    if online_s <= 0:
        return None
    return min(1.0, float(result.group_busy_s.sum()) / online_s)
