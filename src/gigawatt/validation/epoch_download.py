"""Any public site, checked: Epoch AI's Frontier Data Centers download, as published, against the
planner (`gigawatt validate epoch DIR`).

Reads the three files of Epoch's download (``data_centers.csv``, ``data_center_timelines.csv``,
``data_center_chip_quantities.csv``; Epoch AI, 'Frontier Data Centers Hub',
https://epoch.ai/data/data-centers, CC BY 4.0) with no side files of ours: the region comes
from the site's address, chip names map to the catalog through each accelerator's
`epoch_names`, and the chips in service on a date are counted as Epoch's chip table records
them.

The method, fixed before comparing (docs/validation.md quotes it):

1. **Date.** Each site is planned at its latest timeline row with IT power > 0 (on or before
   `as_of` when given). Rows dated after the download was last modified (the latest
   ``Last Modified`` of the chip table) are Epoch's projections; the result says which.
2. **What a planner knows.** The site's IT power on that date, its chip types, the date and its
   region. Chip types are those in service on the date (below), else the site's ``Current chip
   types`` (``All chip types`` for a date after the download), mapped to catalog accelerators.
   Several types share the IT power in the proportion of their chips' power (count x the
   catalog's all-in watts) when Epoch counts them, else equally.
3. **Chips in service on a date**, as Epoch counts them: per chip type, the ``Number of Units``
   of its latest row on or before the date. A row of 0 takes the type out of service; a type
   whose last row is older stays in service (Epoch writes a row when a count changes).
4. **Region.** A US site's state from its address (``..., TX 79601`` or a state's name); the
   catalog's region for that state, else the catalog's US average (``us``). A site outside the
   United States, or with no state in its address, gets the US average too, and says so.
5. **Compared** with Epoch on the same row: facility power (``Power (MW)``), H100-equivalents,
   chip count (when Epoch's chip table has counts for every type on the date) and capital
   cost (``Total capital cost (2025 USD billions)``; ours is facility + IT + network, without
   land, which Epoch's leaves out). Errors are (ours - Epoch) / Epoch.

Bad input (a missing file, a missing column, a chip type no catalog accelerator maps, a number
that does not parse) raises `EpochDataError` naming the file, line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gigawatt.catalog.models import Catalog
from gigawatt.scenario.errors import GigawattError
from gigawatt.validation.campus import (
    CampusOutcome,
    campus_scenario,
    plan_campus,
)

FILES = {
    "data_centers": "data_centers.csv",
    "timelines": "data_center_timelines.csv",
    "chips": "data_center_chip_quantities.csv",
}
#: Columns each file must have (Epoch's own names).
REQUIRED = {
    "data_centers": ("Name", "Country", "Address", "Current chip types", "All chip types"),
    "timelines": (
        "Data center",
        "Date",
        "IT power (MW)",
        "Power (MW)",
        "H100 equivalents",
        "Total capital cost (2025 USD billions)",
    ),
    "chips": ("Data center", "Date", "Chip type", "Number of Units"),
}
METRICS = ("facility_mw", "h100e", "chips", "capex_usd")
#: The catalog's region for a US site whose state has none (and for sites outside the US).
US_AVERAGE = "us"
FAMILIES = ("GPU", "TPU", "Trainium")

_STATES = {
    "alabama": "al", "alaska": "ak", "arizona": "az", "arkansas": "ar", "california": "ca",
    "colorado": "co", "connecticut": "ct", "delaware": "de", "florida": "fl", "georgia": "ga",
    "hawaii": "hi", "idaho": "id", "illinois": "il", "indiana": "in", "iowa": "ia",
    "kansas": "ks", "kentucky": "ky", "louisiana": "la", "maine": "me", "maryland": "md",
    "massachusetts": "ma", "michigan": "mi", "minnesota": "mn", "mississippi": "ms",
    "missouri": "mo", "montana": "mt", "nebraska": "ne", "nevada": "nv", "new hampshire": "nh",
    "new jersey": "nj", "new mexico": "nm", "new york": "ny", "north carolina": "nc",
    "north dakota": "nd", "ohio": "oh", "oklahoma": "ok", "oregon": "or", "pennsylvania": "pa",
    "rhode island": "ri", "south carolina": "sc", "south dakota": "sd", "tennessee": "tn",
    "texas": "tx", "utah": "ut", "vermont": "vt", "virginia": "va", "washington": "wa",
    "west virginia": "wv", "wisconsin": "wi", "wyoming": "wy",
}  # fmt: skip


class EpochDataError(GigawattError):
    """The Epoch download cannot be read as published (file, line and column in the text)."""


@dataclass(frozen=True)
class EpochDownload:
    """The three tables as rows of strings, with each row's line number in its file."""

    folder: Path
    data_centers: list[tuple[int, dict[str, str]]]
    timelines: list[tuple[int, dict[str, str]]]
    chips: list[tuple[int, dict[str, str]]]

    @property
    def last_modified(self) -> dt.date | None:
        """The latest ``Last Modified`` (or ``Created``) date of the chip table, if given."""
        dates = [
            _date_or_none(row.get("Last Modified") or row.get("Created") or "")
            for _, row in self.chips
        ]
        known = [d for d in dates if d is not None]
        return max(known) if known else None


def _date_or_none(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def read_epoch_download(folder: Path) -> EpochDownload:
    """Read the three files of `folder`; `EpochDataError` on a missing file or column."""
    if not folder.is_dir():
        raise EpochDataError(f"{folder}: not a folder (expected Epoch's download: "
                             f"{', '.join(FILES.values())})")  # fmt: skip
    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for key, name in FILES.items():
        path = folder / name
        if not path.is_file():
            raise EpochDataError(f"{path}: missing (Epoch's download has {name})")
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                missing = [c for c in REQUIRED[key] if c not in header]
                if missing:
                    raise EpochDataError(
                        f"{path}: line 1: missing column(s) {', '.join(repr(c) for c in missing)}"
                    )
                rows = []
                for row in reader:
                    rows.append((reader.line_num, {k: (v or "") for k, v in row.items() if k}))
        except UnicodeDecodeError as exc:
            raise EpochDataError(f"{path}: not UTF-8 text ({exc.reason})") from None
        except csv.Error as exc:
            raise EpochDataError(f"{path}: not a CSV table ({exc})") from None
        tables[key] = rows
    return EpochDownload(folder, tables["data_centers"], tables["timelines"], tables["chips"])


def _number(path: str, line: int, column: str, text: str) -> float:
    text = text.strip().replace(",", "")
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        raise EpochDataError(f"{path}: line {line}: {column} {text!r} is not a number") from None


def _date(path: str, line: int, text: str) -> dt.date:
    value = _date_or_none(text)
    if value is None:
        raise EpochDataError(f"{path}: line {line}: Date {text!r} is not a date (YYYY-MM-DD)")
    return value


def chip_map(catalog: Catalog) -> dict[str, str]:
    """Epoch's chip names -> catalog accelerator ids (each accelerator's `epoch_names`)."""
    out: dict[str, str] = {}
    for acc in catalog.accelerators.values():
        for name in acc.epoch_names:
            out[name] = acc.id
    return out


def family(accelerator_id: str, catalog: Catalog) -> str:
    """The accelerator family capex is calibrated for: TPU, Trainium or GPU (every other)."""
    vendor = catalog.accelerators[accelerator_id].vendor.lower()
    if vendor.startswith("google"):
        return "TPU"
    if vendor.startswith("amazon"):
        return "Trainium"
    return "GPU"


def region_of(country: str, address: str, catalog: Catalog) -> tuple[str, str]:
    """(catalog region id, how it was found) from Epoch's country and address."""
    if country.strip() != "United States":
        return US_AVERAGE, f"outside the United States ({country}): US average"
    state = None
    match = re.search(r"\b([A-Z]{2})\s+\d{5}\b", address) or re.search(
        r",\s*([A-Z]{2})\s*(?:,|$)", address
    )
    if match and match.group(1).lower() in _STATES.values():
        state = match.group(1).lower()
    else:
        lowered = address.lower()
        for name in sorted(_STATES, key=len, reverse=True):
            if re.search(rf"\b{name}\b", lowered):
                state = _STATES[name]
                break
    if state is None:
        return US_AVERAGE, "no state in the address: US average"
    if state in catalog.regions:
        return state, f"{state.upper()} (address)"
    return US_AVERAGE, f"{state.upper()} (address) has no catalog region: US average"


@dataclass(frozen=True)
class SitePlan:
    """One Epoch site as planned: the row compared, what the planner was given, what it got."""

    name: str
    date: dt.date
    projected: bool
    region: str
    region_basis: str
    it_mw: float
    it_mw_by_accelerator: dict[str, float]
    chips_basis: str
    epoch: dict[str, float | None]
    ours: CampusOutcome
    #: Catalog values whose source note cites this site (the comparison is then in-sample).
    fit_on_site: tuple[str, ...] = ()

    def ours_value(self, metric: str) -> float:
        if metric == "chips":
            return float(self.ours.accelerators)
        return float(getattr(self.ours, metric))

    def error(self, metric: str) -> float | None:
        theirs = self.epoch.get(metric)
        if theirs is None or theirs == 0:
            return None
        return (self.ours_value(metric) - theirs) / theirs

    def families(self, catalog: Catalog) -> set[str]:
        return {family(a, catalog) for a in self.it_mw_by_accelerator}


@dataclass
class EpochCheck:
    """Every site compared, and the ones that could not be, with why."""

    sites: list[SitePlan]
    skipped: list[tuple[str, str]]
    last_modified: dt.date | None
    catalog: Catalog = field(repr=False)

    def median_abs_error(
        self, metric: str, sites: Iterable[SitePlan] | None = None
    ) -> float | None:
        """Median absolute relative error of `metric` over `sites` (default all), or None."""
        errors = [abs(e) for s in (sites or self.sites) if (e := s.error(metric)) is not None]
        return statistics.median(errors) if errors else None

    def family_capex(self) -> dict[str, dict[str, Any]]:
        """Per accelerator family, the capex median absolute error over sites of that family
        alone (mixed-family sites are left out), and how many sites."""
        out: dict[str, dict[str, Any]] = {}
        for name in FAMILIES:
            members = [s for s in self.sites if s.families(self.catalog) == {name}]
            median = self.median_abs_error("capex_usd", members)
            signed = [e for s in members if (e := s.error("capex_usd")) is not None]
            out[name] = {
                "sites": len(members),
                "median_abs_error_pct": None if median is None else 100 * median,
                "median_error_pct": 100 * statistics.median(signed) if signed else None,
            }
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``sites`` (per metric ``ours``, ``epoch``, ``error_pct``),
        ``median_abs_error_pct`` per metric, ``skipped`` (name, reason), and more."""
        sites = []
        for s in self.sites:
            row: dict[str, Any] = {
                "name": s.name,
                "date": s.date.isoformat(),
                "projected": s.projected,
                "region": s.region,
                "region_basis": s.region_basis,
                "it_mw": s.it_mw,
                "accelerators": s.it_mw_by_accelerator
                and {a: s.ours.accelerators_by_type.get(a, 0) for a in s.it_mw_by_accelerator},
                "chips_basis": s.chips_basis,
                "fit_on_site": list(s.fit_on_site),
            }
            for metric in METRICS:
                error = s.error(metric)
                row[metric] = {
                    "ours": s.ours_value(metric),
                    "epoch": s.epoch.get(metric),
                    "error_pct": None if error is None else 100 * error,
                }
            sites.append(row)
        medians = {m: self.median_abs_error(m) for m in METRICS}
        independent = [s for s in self.sites if not s.fit_on_site]
        out_of_sample = {m: self.median_abs_error(m, independent) for m in METRICS}
        return {
            "source": "Epoch AI, 'Frontier Data Centers Hub', https://epoch.ai/data/data-centers "
            "(CC BY 4.0)",
            "last_modified": self.last_modified.isoformat() if self.last_modified else None,
            "sites": sites,
            "median_abs_error_pct": {m: None if v is None else 100 * v for m, v in medians.items()},
            "compared": {m: sum(1 for s in self.sites if s.error(m) is not None) for m in METRICS},
            "out_of_sample": {
                "sites": len(independent),
                "median_abs_error_pct": {
                    m: None if v is None else 100 * v for m, v in out_of_sample.items()
                },
            },
            "family_capex": self.family_capex(),
            "skipped": [{"name": n, "reason": r} for n, r in self.skipped],
        }


def _mentions(text: str, site: str) -> bool:
    """Whether a source note names the site: its full name, its name without the owner's
    first word ("The Dalles" for "Google The Dalles"), or first and last word ("STACK NVA02")."""
    words = site.split()
    candidates = {site}
    if len(words) >= 3:
        candidates.add(" ".join(words[1:]))
        candidates.add(f"{words[0]} {words[-1]}")
    elif len(words) == 2 and not words[1].isdigit():
        candidates.add(words[1])
    return any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", text) for c in candidates)


def fit_on_site(
    site: str, region: str, accelerators: list[str], catalog: Catalog
) -> tuple[str, ...]:
    """Catalog values whose source or note cites `site`: the accelerators' all-in watts, the
    region's PUE, the facility cost per MW (the comparison is then in-sample for them)."""
    cited = []
    for acc in accelerators:
        value = catalog.accelerators[acc].it_power_w
        if _mentions(f"{value.source} {value.note or ''}", site):
            cited.append(f"{acc}.it_power_w")
    pue = catalog.regions[region].pue
    if _mentions(f"{pue.source} {pue.note or ''}", site):
        cited.append(f"{region}.pue")
    facility = catalog.cost.facility_usd_per_mw_it
    if _mentions(f"{facility.source} {facility.note or ''}", site):
        cited.append("facility_usd_per_mw_it")
    return tuple(cited)


def _chips_on(rows: list[tuple[dt.date, str, float]], when: dt.date) -> dict[str, float] | None:
    """Chips in service on `when` (method step 3): None when no chip row is that old."""
    latest: dict[str, float] = {}
    seen = False
    for date, chip, units in sorted(rows):
        if date <= when:
            seen = True
            latest[chip] = units
    if not seen:
        return None
    return {chip: units for chip, units in latest.items() if units > 0}


def _type_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def check_epoch(
    download: EpochDownload, catalog: Catalog, as_of: dt.date | None = None
) -> EpochCheck:
    """Plan every site of the download from what a planner knows and compare with Epoch."""
    names = chip_map(catalog)
    folder = download.folder
    chips_path = str(folder / FILES["chips"])
    timelines_path = str(folder / FILES["timelines"])
    centers_path = str(folder / FILES["data_centers"])
    chip_rows: dict[str, list[tuple[dt.date, str, float]]] = {}
    for line, row in download.chips:
        chip = row["Chip type"].strip()
        if chip and chip not in names:
            raise EpochDataError(
                f"{chips_path}: line {line}: Chip type {chip!r} is not in the catalog (no "
                "accelerator lists it in epoch_names; add it to data/catalog/accelerators.yaml)"
            )
        site = row["Data center"].strip()
        if not site or not chip:
            continue
        units = _number(chips_path, line, "Number of Units", row["Number of Units"])
        chip_rows.setdefault(site, []).append((_date(chips_path, line, row["Date"]), chip, units))
    for line, row in download.data_centers:
        for column in ("Current chip types", "All chip types"):
            for chip in _type_list(row[column]):
                if chip not in names:
                    raise EpochDataError(
                        f"{centers_path}: line {line}: {column} {chip!r} is not in the catalog "
                        "(no accelerator lists it in epoch_names)"
                    )
    timeline: dict[str, list[tuple[dt.date, dict[str, str], int]]] = {}
    for line, row in download.timelines:
        it_mw = _number(timelines_path, line, "IT power (MW)", row["IT power (MW)"])
        if it_mw <= 0:
            continue
        when = _date(timelines_path, line, row["Date"])
        if as_of is not None and when > as_of:
            continue
        timeline.setdefault(row["Data center"].strip(), []).append((when, row, line))
    modified = download.last_modified
    sites: list[SitePlan] = []
    skipped: list[tuple[str, str]] = []
    for _, center in download.data_centers:
        name = center["Name"].strip()
        rows = timeline.get(name)
        if not rows:
            skipped.append((name, "no timeline row with IT power" + (
                f" on or before {as_of}" if as_of else "")))  # fmt: skip
            continue
        when, row, line = max(rows, key=lambda r: r[0])
        projected = modified is not None and when > modified
        in_service = _chips_on(chip_rows.get(name, []), when)
        if in_service:
            types = sorted(in_service)
            basis = f"chip table on {when} ({', '.join(f'{int(u):,} {c}' for c, u in sorted(in_service.items()))})"
        else:
            column = "All chip types" if projected else "Current chip types"
            types = _type_list(center[column]) or _type_list(center["All chip types"])
            basis = f"{column} (no chip counts by {when})"
        if not types:
            skipped.append((name, f"{when}: Epoch names no chip type for the site"))
            continue
        it_mw = _number(timelines_path, line, "IT power (MW)", row["IT power (MW)"])
        by_acc: dict[str, float] = {}
        if in_service:
            watts = {
                c: in_service[c] * catalog.accelerators[names[c]].it_power_w.value for c in types
            }
            total = sum(watts.values())
            for c in types:
                by_acc[names[c]] = by_acc.get(names[c], 0.0) + it_mw * watts[c] / total
        else:
            for c in types:
                by_acc[names[c]] = by_acc.get(names[c], 0.0) + it_mw / len(types)
        region, region_basis = region_of(center["Country"], center["Address"], catalog)
        scenario = campus_scenario(name, region, when.replace(day=1), by_acc, catalog)
        ours = plan_campus(scenario, catalog)
        capex = _number(timelines_path, line, "Total capital cost", row[
            "Total capital cost (2025 USD billions)"]) * 1e9  # fmt: skip
        epoch: dict[str, float | None] = {
            "facility_mw": _number(timelines_path, line, "Power (MW)", row["Power (MW)"]) or None,
            "h100e": _number(timelines_path, line, "H100 equivalents", row["H100 equivalents"])
            or None,
            "chips": sum(in_service.values()) if in_service else None,
            "capex_usd": capex or None,
        }
        sites.append(
            SitePlan(
                name,
                when,
                projected,
                region,
                region_basis,
                it_mw,
                by_acc,
                basis,
                epoch,
                ours,
                fit_on_site(name, region, sorted(by_acc), catalog),
            )
        )
    return EpochCheck(sites, skipped, modified, catalog)
