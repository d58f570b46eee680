"""Markdown tables of the validation, and the generator of its sections in docs/validation.md.

Run by hand after a data or catalog change (tests print the same tables, they never write):

    .venv/bin/python -m gigawatt.validation.report [docs/validation.md]

Only the text between this module's BEGIN/END markers is replaced; other sections stay.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from gigawatt.catalog import load_catalog
from gigawatt.catalog.models import Catalog
from gigawatt.validation.announced import (
    CaseComparison,
    announced_validation,
    asserted_median_abs_error,
)
from gigawatt.validation.data_folder import validation_dir
from gigawatt.validation.epoch_download import (
    METRICS,
    EpochCheck,
    check_epoch,
    read_epoch_download,
)

EPOCH_HEADING = "## Planner against Epoch AI Frontier Data Centers"
ANNOUNCED_HEADING = "## Planner against announced campuses"
METRIC_NAMES = {
    "facility_mw": "facility power",
    "capex_usd": "capital cost",
    "h100e": "H100-equivalents",
    "chips": "chip count",
}


def _pct(error: float | None) -> str:
    if error is None:
        return "-"
    return "0%" if abs(error) < 0.005 else f"{error * 100:+.0f}%"


def _num(value: float | None, scale: float = 1.0, digits: int = 0) -> str:
    return "-" if value is None else f"{value / scale:,.{digits}f}"


def epoch_table(check: EpochCheck) -> str:
    """Per-site table: the row compared, then facility MW, H100e, chips and capex (land
    excluded), ours against Epoch's, and the catalog values fit on the site."""
    lines = [
        "| Site | Date | Region | IT MW | Chips (basis) | Facility MW ours / Epoch | err "
        "| H100e (k) ours / Epoch | err | Chips (k) ours / Epoch | err "
        "| Capex $B ours / Epoch | err | Catalog fit on site |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for site in check.sites:
        date = f"{site.date}{' (projected)' if site.projected else ''}"
        chips = ", ".join(
            f"{site.ours.accelerators_by_type.get(a, 0):,} {a}" for a in site.it_mw_by_accelerator
        )
        basis = "Epoch counts" if site.epoch.get("chips") else "types only"
        lines.append(
            f"| {site.name} | {date} | {site.region} | {site.it_mw:,.0f} | {chips} ({basis}) "
            f"| {site.ours.facility_mw:,.0f} / {_num(site.epoch['facility_mw'])} "
            f"| {_pct(site.error('facility_mw'))} "
            f"| {site.ours.h100e / 1e3:,.0f} / {_num(site.epoch['h100e'], 1e3)} "
            f"| {_pct(site.error('h100e'))} "
            f"| {site.ours.accelerators / 1e3:,.0f} / {_num(site.epoch['chips'], 1e3)} "
            f"| {_pct(site.error('chips'))} "
            f"| {site.ours.capex_usd / 1e9:.1f} / {_num(site.epoch['capex_usd'], 1e9, 1)} "
            f"| {_pct(site.error('capex_usd'))} | {', '.join(site.fit_on_site) or 'none'} |"
        )
    return "\n".join(lines)


def epoch_medians(check: EpochCheck) -> str:
    """The medians: all compared sites, the sites no catalog value was fit on, per family."""
    data = check.as_dict()
    out = data["out_of_sample"]
    lines = []
    for metric in METRICS:
        median = data["median_abs_error_pct"][metric]
        independent = out["median_abs_error_pct"][metric]
        lines.append(
            f"- Median absolute error, {METRIC_NAMES[metric]}: **{_num(median, 1, 1)}%** over "
            f"{data['compared'][metric]} sites; {_num(independent, 1, 1)}% over the "
            f"{out['sites']} sites no catalog value was fit on"
        )
    for family, row in data["family_capex"].items():
        lines.append(
            f"- Capital cost, {family} sites only: median absolute error "
            f"**{_num(row['median_abs_error_pct'], 1, 1)}%** (median signed "
            f"{_num(row['median_error_pct'], 1, 1)}%) over {row['sites']} sites"
        )
    return "\n".join(lines)


def skipped_list(check: EpochCheck) -> str:
    """The sites not compared, with why."""
    return "\n".join(f"- {name}: {reason}" for name, reason in check.skipped)


def epoch_section(check: EpochCheck, catalog: Catalog) -> str:
    """The whole Epoch section of docs/validation.md."""
    data = check.as_dict()
    total = len(check.sites) + len(check.skipped)
    bars = (
        f"{len(check.sites)} of {total} sites compared (bar: at least 45); median absolute "
        f"error {_num(data['median_abs_error_pct']['facility_mw'], 1, 1)}% for facility power "
        f"and {_num(data['median_abs_error_pct']['h100e'], 1, 1)}% for H100e (bar: 5%), "
        f"{_num(data['median_abs_error_pct']['capex_usd'], 1, 1)}% for capital cost (bar: 15%)"
    )
    family = data["family_capex"]
    missed = [
        f"{name} {row['median_abs_error_pct']:.1f}%"
        for name, row in family.items()
        if row["median_abs_error_pct"] is not None and row["median_abs_error_pct"] > 15
    ]
    return f"""{EPOCH_HEADING}

Source: Epoch AI, 'Frontier Data Centers Hub', https://epoch.ai/data/data-centers (CC BY 4.0).
The download as published is in `data/validation/` (`data_centers.csv`,
`data_center_timelines.csv`, `data_center_chip_quantities.csv`; `PROVENANCE.md` says where it
came from); there are no side files. The check is `gigawatt validate epoch data/validation`
(`--json` for the numbers), the code `src/gigawatt/validation/epoch_download.py`, the test
`tests/validation/test_epoch_download.py`. To regenerate this section, run
`python -m gigawatt.validation.report`.

**Result:** {bars}. Per accelerator family, capital cost is within 15% for GPU and TPU sites
and {"not for " + ", ".join(missed) if missed else "for every family"}.

**Method, fixed before comparing** (the module docstring of `epoch_download` is the reference):
1. Each site is planned at its latest timeline row with IT power (rows after the download was
   last modified, {data["last_modified"]}, are Epoch's projections and marked so).
2. The planner gets what a planner knows: the IT power on that date, the chip types, the date
   and the region. Several chip types share the IT power in proportion to their chips' power
   when Epoch counts them, else equally.
3. Chips in service on a date, as Epoch counts them: per type, the units of its latest row on
   or before the date; a row of 0 takes the type out of service.
4. The region is the state in the site's address (a two-letter code or a state's name); a state
   the catalog lacks, a blank address and a site outside the United States get the catalog's
   US average (`us`).
5. Compared with Epoch's row: facility power, H100-equivalents, chip count (when Epoch counts
   the chips on that date) and capital cost (ours without land, which Epoch's leaves out).

**How independent it is.** Not very for power and H100e: the catalog's all-in watts per chip
and the states' PUE are Epoch's own ratios at named sites (the last column says which values
cite the site), so agreement there mostly shows that one wattage per chip and one PUE per state
fit the other sites too. The out-of-sample line below is the check on sites nothing was fit on.
Capital cost is more independent: our prices are vendor or chip-sales prices plus a system
share; Epoch's is a fixed rate per MW of IT (compute $26.11M + construction $11.77M) whatever
the chip. TPU and Trainium systems are priced with the one published price of a custom
accelerator rack (Broadcom's $21B of Ironwood racks for Anthropic's up to 1M TPUs: $21,000 per
TPU7x, a $7,091 system share over the chip); with it TPU sites come within 15% of Epoch's rate,
and the two Trainium sites stay ~26% under it: at 872 W per chip and a $4,000 chip, Trainium's
capex per MW is lower than Epoch's flat rate assumes, and we found no primary source that puts
a Trainium system at the ~$15,600 per chip that rate implies.

{epoch_table(check)}

{epoch_medians(check)}

Not compared ({len(check.skipped)}):
{skipped_list(check)}
"""


def _case_input(comparison: CaseComparison) -> str:
    """The announced input in words, e.g. '400,000 gb200-nvl72' or '1,200 MW facility'."""
    case = comparison.case
    if case.input_kind == "accelerators":
        items = (item.split(":") for item in case.input.split())
        return " + ".join(f"{int(count):,} {acc}" for acc, count in items)
    kind = "MW facility" if case.input_kind == "facility_mw" else "MW IT"
    return f"{float(case.input):,.0f} {kind} of {case.accelerator}"


def announced_table(comparisons: list[CaseComparison]) -> str:
    """Announced cases: what we derive against the announced figure."""
    units = {
        "facility_mw": ("MW", 1.0),
        "it_mw": ("MW IT", 1.0),
        "accelerators": ("M accelerators", 1e6),
        "facility_capex_usd": ("$B facility", 1e9),
        "it_capex_usd": ("$B IT + network", 1e9),
        "capex_usd": ("$B", 1e9),
    }
    lines = [
        "| Case | Compares | Input | Ours | Announced | Error | Asserted | Why |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        unit, scale = units[c.case.metric]
        bound = ">= " if c.case.relation == "at_least" else ""
        digits = 2 if scale == 1e6 else (1 if scale == 1e9 else 0)
        error = (
            ("consistent" if c.consistent else "below the bound")
            if c.case.relation == "at_least"
            else _pct(c.error)
        )
        given = _case_input(c)
        lines.append(
            f"| {c.case.case} | {c.case.compares} | {given} ({c.case.region}) "
            f"| {c.ours_value / scale:,.{digits}f} {unit} "
            f"| {bound}{c.case.announced / scale:,.{digits}f} {unit} | {error} "
            f"| {'yes' if c.case.asserted else 'no'} | {c.case.why} |"
        )
    asserted = [c for c in comparisons if c.case.asserted and c.case.relation == "equal"]
    all_values = [c for c in comparisons if c.case.relation == "equal"]
    lines.append("")
    lines.append(
        f"- Median absolute error over the {len(asserted)} asserted cases: "
        f"**{asserted_median_abs_error(comparisons) * 100:.1f}%** "
        f"({', '.join(c.case.id for c in asserted)})"
    )
    lines.append(
        f"- Over all {len(all_values)} value cases, asserted or not: "
        f"{statistics.median(abs(c.error) for c in all_values) * 100:.1f}%"
    )
    return "\n".join(lines)


def announced_section(comparisons: list[CaseComparison], catalog: Catalog) -> str:
    """The whole announced-campuses section of docs/validation.md."""
    by_id = {c.case.id: c for c in comparisons}
    facility = catalog.cost.facility_usd_per_mw_it.value / 1e6
    tx = catalog.regions["tx"].construction_cost_factor.value
    abilene_it_mw = by_id["abilene-facility-capex"].ours.it_mw
    hyperion_it_mw = by_id["hyperion-facility-capex-jv"].ours.it_mw
    abilene_it = by_id["abilene-it-capex"]
    colossus = by_id["colossus1-power"]
    return f"""{ANNOUNCED_HEADING}

Source: the announced facts, with their sources, in `data/validation/announced_facts.csv`. The
cases built from them are in `data/validation/announced_cases.csv`. The check is
`tests/validation/test_announced_cases.py`, and the code is in
`src/gigawatt/validation/announced.py`.

**Method.** Each case gives the planner one announced input: accelerator counts, or facility
or IT power with the accelerator type. Facility power becomes IT power through the region's
default PUE. The case is planned as a one-site campus, as in the Epoch check, and we compare
one derived quantity with the announced figure. A case is **asserted** only when the announced
figure is well-defined: a company statement whose scope (same buildings, same stage, same cost
categories) matches what we derive. The test asserts that the median absolute error over the
asserted cases is under 20%. The other cases are shown with the reason they are not asserted.

{announced_table(comparisons)}

Not compared, because nothing announced pairs an input with an output:
- Anthropic-Fluidstack (TX + NY): $50B, with no sites, chips or power disclosed. Fluidstack
  Lake Mariner, the likely NY site, is in the Epoch table above.
- Meta Prometheus: "1 GW in 2026", with no chip count. Its capex figures are Epoch's
  estimates (see the Epoch table).
- Microsoft Fairwater Wisconsin: $3.3B + $4B announced, with neither power nor a chip count
  ("hundreds of thousands" of GB200).
- xAI Colossus 2: only Epoch's estimates (in the Epoch table).
- Fluidstack France: outside the US catalog, and the chips ("next-gen") are unnamed.

**What the announced cases say about the catalog.**
- Power from chip counts agrees where scopes match: Abilene is within a few percent.
  Colossus 1 is {_pct(colossus.error)}: our {colossus.ours_value:,.0f} MW is nameplate
  (1,390 W per H100 x PUE {colossus.ours.pue:.2f}, both fit on Epoch's Colossus 1 rows).
  xAI's ~300 MW is grid supply, with Megapacks covering peaks, so the real draw of 200k GPUs
  is ~1.5 kW per GPU at the meter against our 1.8 kW.
- Facility capex is low against announced campus financings. Our ${facility:.2f}M per MW of
  IT (Epoch's construction rate; Texas x {tx:.1f}) gives
  ${by_id["abilene-facility-capex"].ours_value / 1e9:.1f}B for Abilene's 1.2 GW, against
  $15B of JV funding (${15e9 / abilene_it_mw / 1e6:.1f}M per MW of IT). For Hyperion's 2 GW it
  gives ${by_id["hyperion-facility-capex-jv"].ours_value / 1e9:.1f}B, against the $27B JV
  (${27e9 / hyperion_it_mw / 1e6:.1f}M per MW of IT). Those financings also pay for on-site
  generation, substations and financing costs, so they are upper bounds. Meta's own $10B for
  Hyperion and AWS's $11B for Rainier are lower than ours for the full campuses, so the
  announced figures do not pin the rate down.
- IT capex for 400k GB200 is ${abilene_it.ours_value / 1e9:.1f}B
  (${abilene_it.ours_value / 400_000 / 1e3:.0f}k per GPU incl. network) against the FT's $40B
  for Oracle ($100k per GPU). The FT figure probably covers complete systems. Bernstein's
  all-in rack, $5.9M / 72 = $82k per GPU, sits between the two.
"""


BEGIN = "<!-- BEGIN generated by gigawatt.validation.report: {key} -->"
END = "<!-- END generated by gigawatt.validation.report: {key} -->"


def replace_section(document: str, key: str, body: str) -> str:
    """Replace the text between the markers for `key`, or append it if they are absent."""
    begin, end = BEGIN.format(key=key), END.format(key=key)
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        _, tail = rest.split(end, 1)
        return head + block + tail
    return document.rstrip() + "\n\n" + block + "\n"


def write_validation_doc(path: Path) -> None:
    """Regenerate this module's two sections of `path` (creating the file if needed)."""
    catalog = load_catalog()
    document = path.read_text(encoding="utf-8") if path.exists() else "# Validation\n"
    check = check_epoch(read_epoch_download(validation_dir()), catalog)
    document = replace_section(document, "epoch", epoch_section(check, catalog))
    document = replace_section(
        document, "announced", announced_section(announced_validation(catalog), catalog)
    )
    path.write_text(document, encoding="utf-8")


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path("docs/validation.md")
    write_validation_doc(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
