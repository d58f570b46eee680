"""Live power draw of the served fleet: IT power from what runs, facility power through PUE.

Model (an estimate, not a measurement; docs/serve.md states it):

    IT power of a (site, type) group = it_power_w x (busy + idle_share x (online - busy))
    facility power of a site         = its IT power x its PUE

``it_power_w`` is the catalog's all-in IT power per accelerator at full load (chip TDP plus its
share of host, memory, NICs and switches; ``data/catalog/accelerators.yaml``, each value with
its source), so a busy accelerator is counted at its whole planned draw. An online, idle one
draws ``idle_share`` of that (an assumption: servers idle at a fraction of their peak; no
catalog value exists). Nodes offline (not yet built, retired, failed) draw nothing. PUE is the
site's, else its region's typical one (the planner's `site_pue`). A PUE is an annual average,
so facility power at one instant is approximate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Share of full-load IT power an online but idle accelerator (with its host share) draws.
#: ASSUMPTION, not from a source: idle servers draw a large fraction of peak power; 30% is
#: within the range commonly quoted for GPU servers but not sourced here. Override it with
#: ``PowerModel(idle_share=...)``.
DEFAULT_IDLE_SHARE = 0.3


@dataclass(frozen=True)
class PowerModel:
    """Per-accelerator full-load IT power in watts by type, PUE by site (default 1.0 for a
    site not listed) and the idle share."""

    it_power_w: dict[str, float]
    pue: dict[str, float] = field(default_factory=dict)
    idle_share: float = DEFAULT_IDLE_SHARE

    def draw_mw(
        self, groups: tuple[tuple[str, str], ...], busy: list[float], online: list[float]
    ) -> dict[str, tuple[float, float]]:
        """Per site: (IT MW, facility MW) given accelerators busy and online per
        (site, type) group. Types without a known power draw count zero."""
        by_site: dict[str, tuple[float, float]] = {}
        for (site, accelerator), b, o in zip(groups, busy, online, strict=True):
            watts = self.it_power_w.get(accelerator, 0.0)
            it_mw = watts * (b + self.idle_share * max(o - b, 0.0)) / 1e6
            it, facility = by_site.get(site, (0.0, 0.0))
            by_site[site] = (it + it_mw, facility + it_mw * self.pue.get(site, 1.0))
        return by_site
