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
from gigawatt.validation.campus import relative_error
from gigawatt.validation.epoch_sites import (
    METRICS,
    OBSERVED_UNTIL,
    EpochValidation,
    SiteComparison,
    epoch_validation,
)

EPOCH_HEADING = "## Planner against Epoch AI Frontier Data Centers"
ANNOUNCED_HEADING = "## Planner against announced campuses"
METRIC_NAMES = {
    "facility_mw": "facility power",
    "capex_usd": "capital cost",
    "h100e": "H100-equivalents",
}


def _pct(error: float) -> str:
    return "0%" if abs(error) < 0.005 else f"{error * 100:+.0f}%"


def _chips(comparison: SiteComparison) -> str:
    return " + ".join(
        f"{count:,} {chip}" for chip, count in sorted(comparison.observation.chips.items())
    )


def epoch_table(validation: EpochValidation) -> str:
    """Per-site table: facility MW, capex $B (land excluded) and H100e, ours against Epoch's."""
    lines = [
        "| Site | Date | Chips (Epoch) | Region | Facility MW ours / Epoch | err "
        "| Capex $B ours / Epoch | err | H100e (k) ours / Epoch | err | Catalog fit on site |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in validation.comparisons:
        o = c.observation
        lines.append(
            f"| {o.site} | {o.date} | {_chips(c)} | {o.region} "
            f"| {c.ours.facility_mw:,.0f} / {o.facility_mw:,.0f} | {_pct(c.error('facility_mw'))} "
            f"| {c.ours.capex_usd / 1e9:.1f} / {o.capex_usd / 1e9:.1f} "
            f"| {_pct(c.error('capex_usd'))} "
            f"| {c.ours.h100e / 1e3:,.0f} / {o.h100e / 1e3:,.0f} | {_pct(c.error('h100e'))} "
            f"| {', '.join(c.calibrated_on) or 'none'} |"
        )
    lines.append("")
    lines.append(epoch_medians(validation))
    return "\n".join(lines)


def epoch_medians(validation: EpochValidation) -> str:
    """One line per metric: median absolute error over all sites and out of sample."""
    out_of_sample = [c for c in validation.comparisons if not c.calibrated_on]
    parts = []
    for metric in METRICS:
        text = (
            f"- Median absolute error, {METRIC_NAMES[metric]}: "
            f"**{validation.median_abs_error(metric) * 100:.1f}%** over "
            f"{len(validation.comparisons)} sites"
        )
        if out_of_sample:
            text += (
                f"; {validation.median_abs_error(metric, out_of_sample=True) * 100:.1f}% over "
                f"the {len(out_of_sample)} site(s) no catalog value was fit on"
            )
        parts.append(text)
    return "\n".join(parts)


def epoch_diagnostics_table(validation: EpochValidation) -> str:
    """Where the errors come from: IT power, PUE, and Epoch's own per-chip figures."""
    lines = [
        "| Site | IT MW ours / Epoch | PUE ours / Epoch | Epoch IT W per chip "
        "| Epoch 8-bit TOP/s per chip | Epoch $M per IT MW (compute + construction) "
        "| Units source |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in validation.comparisons:
        o = c.observation
        units = sum(o.chips.values())
        lines.append(
            f"| {o.site} | {c.ours.it_mw:,.0f} / {o.it_mw:,.0f} "
            f"| {c.ours.pue:.2f} / {o.facility_mw / o.it_mw:.2f} "
            f"| {o.it_mw * 1e6 / units:,.0f} | {o.h100e * 1979 / units:,.0f} "
            f"| {o.compute_cost_usd / o.it_mw / 1e6:.2f} + "
            f"{o.construction_cost_usd / o.it_mw / 1e6:.2f} | {o.units_source} |"
        )
    return "\n".join(lines)


def skipped_list(validation: EpochValidation) -> str:
    """Skipped sites grouped by reason, and chip rows left out."""
    by_reason: dict[str, list[str]] = {}
    for site, reason in validation.skipped:
        if ": chips not in our catalog (" in reason:
            when, chips = reason.split(": chips not in our catalog (", 1)
            by_reason.setdefault("chips not in our catalog", []).append(
                f"{site} ({when}: {chips.rstrip(')')})"
            )
        elif reason.startswith("outside the United States"):
            country = reason.split("(", 1)[1].rstrip(")")
            by_reason.setdefault("outside the United States", []).append(f"{site} ({country})")
        else:
            by_reason.setdefault(reason, []).append(site)
    total = len(validation.skipped) + len(validation.comparisons)
    lines = [f"Skipped {len(validation.skipped)} of {total} sites:"]
    for reason, sites in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"- {reason} ({len(sites)}): {'; '.join(sites)}")
    ignored = sum(validation.ignored_chip_rows.values())
    lines.append("")
    lines.append(f"Chip-quantity rows left out ({ignored}):")
    for reason, count in sorted(validation.ignored_chip_rows.items(), key=lambda kv: -kv[1]):
        lines.append(f"- {reason}: {count}")
    return "\n".join(lines)


def _it_capex_per_mw(catalog: Catalog, acc_id: str) -> float:
    acc = catalog.accelerators[acc_id]
    network = catalog.cost.network_share_of_it.value
    return acc.price_usd.value * (1 + network) / acc.it_power_w.value


def _error_range(comparisons: list[SiteComparison], metric: str) -> str:
    errors = sorted(c.error(metric) for c in comparisons)
    if not errors:
        return "n/a"
    return f"{_pct(errors[0])} to {_pct(errors[-1])}"


def _sites_with(validation: EpochValidation, prefixes: tuple[str, ...]) -> list[SiteComparison]:
    """Sites whose every chip maps to a catalog id starting with one of `prefixes`."""
    return [
        c
        for c in validation.comparisons
        if all(acc.startswith(prefixes) for acc in c.catalog_ids.values())
    ]


def _largest_errors(validation: EpochValidation, metric: str, count: int) -> list[SiteComparison]:
    def size(comparison: SiteComparison) -> float:
        return abs(comparison.error(metric))

    return sorted(validation.comparisons, key=size, reverse=True)[:count]


def epoch_section(validation: EpochValidation, catalog: Catalog) -> str:
    """The whole Epoch section of docs/validation.md."""
    compute_rates = sorted(
        {
            round(c.observation.compute_cost_usd / c.observation.it_mw / 1e6, 2)
            for c in validation.comparisons
        }
    )
    construction_rates = sorted(
        {
            round(c.observation.construction_cost_usd / c.observation.it_mw / 1e6, 2)
            for c in validation.comparisons
        }
    )
    used = sorted({a for c in validation.comparisons for a in c.catalog_ids.values()})
    it_rates = ", ".join(f"{a} {_it_capex_per_mw(catalog, a):.1f}" for a in used)
    in_sample = sum(1 for c in validation.comparisons if c.calibrated_on)
    worst = {metric: _largest_errors(validation, metric, 4) for metric in METRICS}
    worst_text = "\n".join(
        f"- {METRIC_NAMES[m]}: "
        + ", ".join(f"{c.observation.site} {_pct(c.error(m))}" for c in worst[m])
        for m in METRICS
    )
    custom = _sites_with(validation, ("tpu", "trainium"))
    hopper = _sites_with(validation, ("h100", "h200"))
    high_pue = [
        c
        for c in validation.comparisons
        if c.ours.pue > 1.1 * c.observation.facility_mw / c.observation.it_mw
    ]
    high_pue_text = ", ".join(
        f"{c.observation.site} (PUE {c.ours.pue:.2f} against Epoch's "
        f"{c.observation.facility_mw / c.observation.it_mw:.2f}: facility "
        f"{_pct(c.error('facility_mw'))}, "
        f"IT {_pct(relative_error(c.ours.it_mw, c.observation.it_mw))})"
        for c in high_pue
    )
    texas = [c for c in validation.comparisons if c.observation.region == "tx"]
    tx_factor = catalog.regions["tx"].construction_cost_factor.value
    facility = catalog.cost.facility_usd_per_mw_it.value / 1e6
    rates = ", ".join(f"${r:.2f}M" for r in compute_rates)
    construction = ", ".join(f"${r:.2f}M" for r in construction_rates)
    return f"""{EPOCH_HEADING}

Source: Epoch AI, 'Frontier Data Centers Hub', epoch.ai/data/data-centers (CC BY 4.0). Copies of
the columns we use are in `data/validation/epoch_*.csv` with `PROVENANCE.md`. The check is
`tests/validation/test_epoch_sites.py` (`pytest -s` prints the table). The code is in
`src/gigawatt/validation/epoch_sites.py`. To regenerate this section, run
`python -m gigawatt.validation.report`.

**What is compared.** The planner gets Epoch's observations: chip type and count, and the
site's state. It returns facility power, capital cost and H100-equivalents. We compare these
with Epoch's `Power (MW)`, `Total capital cost (2025 USD billions)` and `H100 equivalents` on
the same date. Our capex is facility (shell, electrical, mechanical) plus IT hardware plus
network. Land is left out because Epoch's capex has no land. Epoch's costs are in 2025 USD;
our catalog prices are 2023-2026 list and revenue-based prices.

**Method, fixed before running the comparison.**
1. Sites: the United States only, because the catalog's regions are US states.
2. One row per site: the latest date on or before {OBSERVED_UNTIL} on which Epoch has both a
   timeline row with IT power > 0 and a chip-quantity row. {OBSERVED_UNTIL} is the snapshot of
   Epoch's chip table, and later rows are projections. This way the chip count was recorded
   for that very state of the site. (The timeline snapshot runs to 2026-08-03. Using that
   date would add Meta Aiken, Meta Cheyenne and a newer Prometheus row, but their chip counts
   were projections when the chip table was copied.)
3. Chips on that date: per type, the latest count on or before it. Epoch's chip rows are
   running totals per type (Colossus 1 repeats the same totals; at Abilene, B200 + B300
   totals reproduce Epoch's 8-bit OP/s). A site holding any chip type our catalog lacks
   (A100, TPU v4/v5e, Ascend, Rubin) is skipped whole, not modelled in part.
4. Chip names map to catalog ids as in `data/validation/epoch_chip_map.csv`. Epoch's `B200`
   maps to `gb200-nvl72`, because Epoch counts it at GB200's 5.0e15 8-bit OP/s (HGX B200 is
   4.5e15). `B300` maps to `gb300-nvl72`. Regions come from
   `data/validation/epoch_site_regions.csv`: the site's own state, or the nearest catalog
   state when its own is not in the catalog (OR, NM -> az; ND, NE, IA -> wi;
   AL, SC, NC -> ga; OK, WY -> tx).
5. Scenario: one site with one phase per chip type, all online in that month. The schema takes
   IT MW, not counts, so each phase gets `it_mw = units x it_power_w / 1e6`, using the
   catalog's all-in watts; the planner turns that back into the same count. PUE is the
   region's default, never Epoch's facility/IT ratio, which would make facility power
   circular. The grid and land are sized to fit, and the budget is unlimited, so no constraint
   changes the result.
6. The test asserts that the median absolute % error of each metric is under 20% over all
   compared sites.

**How independent this is.** For power and H100e, not very. The catalog was calibrated on this
same hub:
- `it_power_w` of H100, H200, GB200, GB300, the TPUs and Trainium2 is Epoch's IT MW divided by
  chip counts at these sites.
- Each region's PUE is Epoch's facility/IT ratio at a flagship site.
- The facility cost of ${facility:.2f}M per MW of IT is Epoch's construction rate.
- The FP8 throughputs are the ones Epoch's H100e uses.

The last column of the table names the catalog values whose source note cites the site
({in_sample} of {len(validation.comparisons)} sites). So agreement on power and H100e mostly
shows that the planner repeats Epoch's arithmetic, and that one all-in wattage per chip type and one PUE per
region fit the other sites as well. Capex is the most independent metric, because our IT
prices come from Epoch's *AI Chip Sales* (vendor revenue / units), not from the hub. Even so,
Epoch's capex is a model, not an observation. At every compared site it is a fixed rate per
MW of IT, whatever the chip: compute {rates} plus construction {construction}.

{epoch_table(validation)}

Largest errors:
{worst_text}

**Where the errors come from** (diagnostics, not asserted):

{epoch_diagnostics_table(validation)}

- *Epoch's two tables disagree.* Colossus 2, Meta Prometheus and Microsoft Fairwater
  Wisconsin carry three of the four largest power and H100e errors. At these sites Epoch's
  timeline does not match its own chip counts: the IT W per chip and 8-bit OP/s per chip
  differ from what the hub uses everywhere else (GB200/GB300 ~2,090-2,200 W and 5.0e15).
  - Colossus 2 (2026-07-01): the timeline's 2.2e21 OP/s is 440k GPUs at 5.0e15, but the chip
    table's running totals give 330k (110k B200 + 220k B300). Its 220k B300 row reads as an
    increment on April's 110k, and the catalog's GB300 note reads it that way too.
  - Prometheus: 6.5e15 OP/s and 2,717 W per "B200". The timeline probably also holds H100s
    that the chip table does not list (`announced_facts.csv` mentions a 129k-H100 retrofit
    in mid-2024).
  - Fairwater Wisconsin: 4.0e15 OP/s and 1,668 W per chip. The timeline's 8.82e20 OP/s is
    176k GPUs at 5.0e15 (2,092 W each), but the chip table says 221,184.

  We follow the chip table as the method says. We did not patch rows after seeing results.
- *Google Arcola's H100e.* Epoch's 3.11e20 OP/s is 5.0e15 per chip for a v6e/v7 mix. That is
  more than v7's 4.6e15 alone, so Epoch's OP/s cannot come from these chip counts. IT power
  matches to the MW.
- *PUE belongs to the operator as much as to the region.* Our region defaults come from each
  state's flagship campus, and these sites run below them: {high_pue_text}.
- *Capex per MW depends on the chip; Epoch's does not.* Our IT capex per MW of IT is price x
  (1 + network share) / all-in watts, in $M: {it_rates}. Epoch charges {rates} of compute per
  MW for every chip. So the Trainium/TPU-only sites come out {_error_range(custom, "capex_usd")}
  against Epoch, and the H100/H200-only sites {_error_range(hopper, "capex_usd")}. The
  {len(texas)} Texas sites also get the catalog's construction factor of {tx_factor:.1f},
  which Epoch does not apply.

{skipped_list(validation)}
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
    document = replace_section(document, "epoch", epoch_section(epoch_validation(catalog), catalog))
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
