"""``gigawatt validate``: check scenario files, one clear line per bad file; ``gigawatt validate
epoch DIR``: plan every site of Epoch AI's Frontier Data Centers download and compare (an edge)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.console import console, fail, print_error
from gigawatt.scenario import GigawattError, load_scenario


def validate(
    scenario: Annotated[
        list[str],
        typer.Argument(
            help="Scenario YAML file(s) to check; or 'epoch DIR': Epoch AI's Frontier Data "
            "Centers download (data_centers.csv, data_center_timelines.csv, "
            "data_center_chip_quantities.csv) to check the planner against.",
            metavar="SCENARIO... | epoch DIR",
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="epoch: print the comparison as JSON.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="epoch: compare each site at its latest row on or before YYYY-MM-DD."),
    ] = None,
) -> None:
    """Check scenario files; print one clear error per bad file (exit code 2)."""
    if scenario and scenario[0] == "epoch":
        if len(scenario) != 2:
            raise fail("usage: gigawatt validate epoch DIR (the folder of Epoch's download)")
        validate_epoch(Path(scenario[1]), as_json, as_of)
        return
    if as_json or as_of is not None:
        raise fail("--json and --as-of apply to 'gigawatt validate epoch DIR' only")
    bad = 0
    for path in map(Path, scenario):
        try:
            s = load_scenario(path)
        except GigawattError as exc:
            print_error(str(exc))
            bad += 1
            continue
        console.print(f"[green]ok[/] {path}: {len(s.sites)} sites, {len(s.contracts)} contracts")
    if bad:
        raise typer.Exit(code=2)


def validate_epoch(folder: Path, as_json: bool, as_of: str | None) -> None:
    """Plan each Epoch site from what a planner knows and print ours against Epoch's, the
    median absolute errors, and the sites not compared (with why)."""
    from gigawatt.catalog import load_catalog
    from gigawatt.validation.epoch_download import check_epoch, read_epoch_download

    try:
        when = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of {as_of!r}: expected a date YYYY-MM-DD") from None
    try:
        check = check_epoch(read_epoch_download(folder), load_catalog(), when)
    except GigawattError as exc:
        raise fail(str(exc)) from None
    data = check.as_dict()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    print_epoch(data)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}%"


def print_epoch(data: dict[str, Any]) -> None:
    """The per-site table, the medians (all and out of sample, per family) and the skipped."""
    from gigawatt.cli.plan_tables import titled_table

    table = titled_table(
        "Planner against Epoch AI's Frontier Data Centers (ours / Epoch, error)",
        ["site", "date", "region", "facility MW", "err", "H100e (k)", "err", "chips (k)", "err",
         "capex $B", "err"],
        left=3,
    )  # fmt: skip

    def pair(s: dict[str, Any], metric: str, scale: float, digits: int = 0) -> str:
        ours, epoch = s[metric]["ours"], s[metric]["epoch"]
        theirs = "-" if epoch is None else f"{epoch / scale:,.{digits}f}"
        return f"{ours / scale:,.{digits}f} / {theirs}"

    for s in data["sites"]:
        table.add_row(
            s["name"],
            s["date"] + (" (p)" if s["projected"] else ""),
            s["region"],
            pair(s, "facility_mw", 1),
            _pct(s["facility_mw"]["error_pct"]),
            pair(s, "h100e", 1e3),
            _pct(s["h100e"]["error_pct"]),
            pair(s, "chips", 1e3),
            _pct(s["chips"]["error_pct"]),
            pair(s, "capex_usd", 1e9, 1),
            _pct(s["capex_usd"]["error_pct"]),
        )
    console.print(table)
    medians = data["median_abs_error_pct"]
    independent = data["out_of_sample"]
    console.print(
        f"{len(data['sites'])} sites compared, {len(data['skipped'])} not; (p): a projection "
        f"(dated after the download, {data['last_modified']})."
    )
    for metric, label in (
        ("facility_mw", "facility power"),
        ("h100e", "H100-equivalents"),
        ("chips", "chip count"),
        ("capex_usd", "capital cost"),
    ):
        value = medians[metric]
        other = independent["median_abs_error_pct"][metric]
        console.print(
            f"Median absolute error, {label}: "
            + ("-" if value is None else f"{value:.1f}%")
            + f" over {data['compared'][metric]} sites; "
            + ("-" if other is None else f"{other:.1f}%")
            + f" over the {independent['sites']} sites no catalog value was fit on"
        )
    for family, row in data["family_capex"].items():
        value = row["median_abs_error_pct"]
        console.print(
            f"Capital cost, {family} sites only ({row['sites']}): median absolute error "
            + ("-" if value is None else f"{value:.1f}%")
        )
    for skipped in data["skipped"]:
        console.print(f"[dim]not compared[/] {skipped['name']}: {skipped['reason']}")
