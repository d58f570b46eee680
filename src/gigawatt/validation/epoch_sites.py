"""Epoch AI's Frontier Data Centers Hub as a check on the planner.

Inputs are Epoch's observations (chip type and count, site location); outputs are compared with
Epoch's published facility power, total capital cost and H100-equivalents for the same date.
Data: ``data/validation/epoch_*.csv``, copied from Epoch AI, 'Frontier Data Centers Hub',
epoch.ai/data/data-centers (CC BY 4.0); see data/validation/PROVENANCE.md.

Row choice, fixed before comparing (documented in docs/validation.md):

1. Sites in the United States only: the catalog's regions are US states.
2. One row per site: the latest date, on or before `OBSERVED_UNTIL`, on which the site has both
   a timeline row with IT power > 0 and a chip-quantity row. So the chip count was recorded for
   that very state of the site, and neither side is a projection.
3. Chips on that date: per chip type, the count of the latest chip row on or before it (Epoch's
   chip rows are running totals per type). Types with 0 units are dropped.
4. A site with any chip type our catalog lacks is skipped whole, not modelled in part.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from gigawatt.catalog.models import Catalog
from gigawatt.validation.campus import (
    CampusOutcome,
    campus_scenario,
    it_mw_for_accelerators,
    median_abs_error,
    plan_campus,
    relative_error,
)
from gigawatt.validation.data_folder import validation_dir

#: Snapshot of Epoch's chip-quantity table (github.com/Gauss10/ai-money-radar @ 82457b1a,
#: committed 2026-07-07; the timelines are from 2026-08-03). Later-dated rows are projections.
OBSERVED_UNTIL = dt.date(2026, 7, 7)

METRICS = ("facility_mw", "capex_usd", "h100e")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class EpochTables:
    """The copied Epoch tables and our two mapping tables, as rows of strings."""

    data_centers: list[dict[str, str]]
    timelines: list[dict[str, str]]
    chip_quantities: list[dict[str, str]]
    chip_map: list[dict[str, str]]
    site_regions: list[dict[str, str]]


def load_epoch_tables(folder: Path | None = None) -> EpochTables:
    """Read the Epoch copies and mapping tables from `folder` (default: data/validation)."""
    base = folder or validation_dir()
    return EpochTables(
        data_centers=_read_csv(base / "epoch_data_centers.csv"),
        timelines=_read_csv(base / "epoch_data_center_timelines.csv"),
        chip_quantities=_read_csv(base / "epoch_data_center_chip_quantities.csv"),
        chip_map=_read_csv(base / "epoch_chip_map.csv"),
        site_regions=_read_csv(base / "epoch_site_regions.csv"),
    )


@dataclass(frozen=True)
class EpochObservation:
    """One Epoch site on one date: what it holds and what Epoch publishes for it."""

    site: str
    date: dt.date
    region: str
    region_basis: str
    catalog_alias: str
    chips: dict[str, int]
    units_source: str
    it_mw: float
    facility_mw: float
    h100e: float
    capex_usd: float
    compute_cost_usd: float
    construction_cost_usd: float


@dataclass(frozen=True)
class SiteComparison:
    """Our planner against Epoch for one site: ours, theirs and (ours - theirs) / theirs."""

    observation: EpochObservation
    ours: CampusOutcome
    catalog_ids: dict[str, str]
    calibrated_on: list[str]

    def ours_value(self, metric: str) -> float:
        return float(getattr(self.ours, metric))

    def theirs_value(self, metric: str) -> float:
        return float(getattr(self.observation, metric))

    def error(self, metric: str) -> float:
        return relative_error(self.ours_value(metric), self.theirs_value(metric))


@dataclass(frozen=True)
class EpochValidation:
    """All compared sites, the skipped ones with reasons, and chip rows left out."""

    comparisons: list[SiteComparison]
    skipped: list[tuple[str, str]]
    ignored_chip_rows: dict[str, int] = field(default_factory=dict)

    def median_abs_error(self, metric: str, *, out_of_sample: bool = False) -> float:
        rows = [c for c in self.comparisons if not (out_of_sample and c.calibrated_on)]
        return median_abs_error(c.error(metric) for c in rows)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip()[:10])


def _float(text: str) -> float:
    return float(text) if text.strip() else 0.0


def select_observations(
    tables: EpochTables, until: dt.date = OBSERVED_UNTIL
) -> tuple[list[EpochObservation], list[tuple[str, str]], dict[str, int]]:
    """Apply the row choice of the module docstring.

    Returns the observations, the skipped sites as (site, reason), and counts of chip rows
    left out by reason.
    """
    regions = {r["data_center"]: r for r in tables.site_regions}
    known_sites = {r["Name"] for r in tables.data_centers}
    ignored: dict[str, int] = {}

    def ignore(reason: str) -> None:
        ignored[reason] = ignored.get(reason, 0) + 1

    chips_by_site: dict[str, list[dict[str, str]]] = {}
    projected_sites: set[str] = set()
    for row in tables.chip_quantities:
        name = row["Data center"].strip()
        if not name:
            ignore("no data-center name (Epoch's linked-record duplicates)")
        elif name not in known_sites:
            ignore(f"site not in Epoch's data-center table ({name})")
        elif _date(row["Date"]) > until:
            ignore("dated after the snapshot (projection)")
            projected_sites.add(name)
        else:
            chips_by_site.setdefault(name, []).append(row)

    mapped = {r["epoch_chip"]: r["catalog_id"] for r in tables.chip_map}
    observations: list[EpochObservation] = []
    skipped: list[tuple[str, str]] = []
    for site in tables.data_centers:
        name = site["Name"]
        if site["Country"] != "United States":
            skipped.append((name, f"outside the United States ({site['Country']})"))
            continue
        chip_rows = chips_by_site.get(name, [])
        if not chip_rows:
            reason = (
                "chip counts only after the snapshot (projections)"
                if name in projected_sites
                else "no chip counts"
            )
            skipped.append((name, reason))
            continue
        chip_dates = {_date(r["Date"]) for r in chip_rows}
        candidates = [
            t
            for t in tables.timelines
            if t["Data center"] == name
            and _float(t["IT power (MW)"]) > 0
            and _date(t["Date"]) in chip_dates
        ]
        if not candidates:
            skipped.append((name, "no timeline row with IT power on a date with chip counts"))
            continue
        row = max(candidates, key=lambda t: _date(t["Date"]))
        when = _date(row["Date"])
        latest: dict[str, dict[str, str]] = {}
        for chip_row in sorted(chip_rows, key=lambda r: _date(r["Date"])):
            if _date(chip_row["Date"]) <= when:
                latest[chip_row["Chip type"]] = chip_row
        chips = {
            chip: int(float(r["Number of Units"]))
            for chip, r in latest.items()
            if float(r["Number of Units"]) > 0
        }
        missing = sorted(chip for chip in chips if not mapped.get(chip))
        if missing:
            skipped.append((name, f"{when}: chips not in our catalog ({', '.join(missing)})"))
            continue
        sources = sorted({latest[chip]["Number of Units source"] for chip in chips})
        region = regions[name]
        observations.append(
            EpochObservation(
                site=name,
                date=when,
                region=region["region"],
                region_basis=region["basis"],
                catalog_alias=region["catalog_alias"],
                chips=chips,
                units_source=", ".join(sources),
                it_mw=_float(row["IT power (MW)"]),
                facility_mw=_float(row["Power (MW)"]),
                h100e=_float(row["H100 equivalents"]),
                capex_usd=_float(row["Total capital cost (2025 USD billions)"]) * 1e9,
                compute_cost_usd=_float(row["Compute cost (2025 USD billions)"]) * 1e9,
                construction_cost_usd=_float(row["Construction cost (2025 USD billions)"]) * 1e9,
            )
        )
    return observations, skipped, ignored


def calibration_fields(
    observation: EpochObservation, catalog_ids: list[str], catalog: Catalog
) -> list[str]:
    """Catalog values whose source note cites this very site (so the check is in-sample).

    Looks for the site's short name in the notes of the accelerators' `it_power_w`, the
    region's `pue` and the cost factor `facility_usd_per_mw_it`.
    """
    alias = observation.catalog_alias
    cited: list[str] = []
    for acc_id in catalog_ids:
        value = catalog.accelerators[acc_id].it_power_w
        if alias in f"{value.source} {value.note or ''}":
            cited.append(f"{acc_id}.it_power_w")
    pue = catalog.regions[observation.region].pue
    if alias in f"{pue.source} {pue.note or ''}":
        cited.append(f"{observation.region}.pue")
    facility = catalog.cost.facility_usd_per_mw_it
    if alias in f"{facility.source} {facility.note or ''}":
        cited.append("facility_usd_per_mw_it")
    return cited


def compare_observation(
    observation: EpochObservation, chip_map: dict[str, str], catalog: Catalog
) -> SiteComparison:
    """Plan the site from its chip counts and compare with Epoch's figures."""
    catalog_ids = {chip: chip_map[chip] for chip in observation.chips}
    it_mw: dict[str, float] = {}
    for chip, count in observation.chips.items():
        acc_id = catalog_ids[chip]
        it_mw[acc_id] = it_mw.get(acc_id, 0.0) + it_mw_for_accelerators(
            count, catalog.accelerators[acc_id]
        )
    month = observation.date.replace(day=1)
    scenario = campus_scenario(observation.site, observation.region, month, it_mw, catalog)
    ours = plan_campus(scenario, catalog)
    return SiteComparison(
        observation=observation,
        ours=ours,
        catalog_ids=catalog_ids,
        calibrated_on=calibration_fields(observation, sorted(set(catalog_ids.values())), catalog),
    )


def epoch_validation(catalog: Catalog, tables: EpochTables | None = None) -> EpochValidation:
    """Every selected Epoch site planned and compared, plus what was skipped and why."""
    tables = tables or load_epoch_tables()
    observations, skipped, ignored = select_observations(tables)
    chip_map = {r["epoch_chip"]: r["catalog_id"] for r in tables.chip_map if r["catalog_id"]}
    comparisons = [compare_observation(o, chip_map, catalog) for o in observations]
    return EpochValidation(comparisons=comparisons, skipped=skipped, ignored_chip_rows=ignored)
