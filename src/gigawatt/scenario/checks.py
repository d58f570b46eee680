"""Checks that need the catalog or compare fields: ids exist, dates are in order."""

from __future__ import annotations

from gigawatt.catalog.models import Catalog
from gigawatt.scenario.errors import ScenarioError
from gigawatt.scenario.models import Scenario


def _known(kind: str, value: str, known: dict[str, object]) -> str:
    names = ", ".join(sorted(known))
    return f"unknown {kind} {value!r}; expected one of: {names}"


def check_scenario(scenario: Scenario, catalog: Catalog) -> None:
    """Raise `ScenarioError` (with a field path, no file) for the first inconsistency.

    Rules (rendered into docs/scenario-reference.md):

    - site and contract ids are unique across the file;
    - every `region` and `accelerator` is an id of the catalog (with its overrides);
    - phase names are unique within their site;
    - a site's phases are in order of `online`, and none is before `program.start`;
    - a phase's `construction_start`, if given, is before its `online`;
    - a contract's `ramp` months strictly increase.
    """
    start = scenario.program.start
    seen_ids: set[str] = set()
    for i, site in enumerate(scenario.sites):
        here: tuple[str | int, ...] = ("sites", i)
        if site.id in seen_ids:
            raise ScenarioError("", f"duplicate site id {site.id!r}", path=(*here, "id"))
        seen_ids.add(site.id)
        if site.region not in catalog.regions:
            raise ScenarioError(
                "", _known("region", site.region, dict(catalog.regions)), path=(*here, "region")
            )
        names: set[str] = set()
        previous = None
        for j, phase in enumerate(site.phases):
            at = (*here, "phases", j)
            if phase.accelerator not in catalog.accelerators:
                raise ScenarioError(
                    "",
                    _known("accelerator", phase.accelerator, dict(catalog.accelerators)),
                    path=(*at, "accelerator"),
                )
            if phase.name in names:
                raise ScenarioError("", f"duplicate phase name {phase.name!r}", path=(*at, "name"))
            names.add(phase.name)
            if previous is not None and phase.online < previous:
                raise ScenarioError(
                    "",
                    f"phases must be in order of online date: {phase.online:%Y-%m} comes "
                    f"before the previous phase's {previous:%Y-%m}",
                    path=(*at, "online"),
                )
            previous = phase.online
            if phase.construction_start is not None and phase.construction_start >= phase.online:
                raise ScenarioError(
                    "",
                    f"construction_start {phase.construction_start:%Y-%m} must be before "
                    f"online {phase.online:%Y-%m}",
                    path=(*at, "construction_start"),
                )
            if phase.online < start:
                raise ScenarioError(
                    "",
                    f"online {phase.online:%Y-%m} is before the program start {start:%Y-%m}",
                    path=(*at, "online"),
                )
    for k, contract in enumerate(scenario.contracts):
        here = ("contracts", k)
        if contract.id in seen_ids:
            raise ScenarioError("", f"duplicate id {contract.id!r}", path=(*here, "id"))
        seen_ids.add(contract.id)
        if contract.accelerator not in catalog.accelerators:
            raise ScenarioError(
                "",
                _known("accelerator", contract.accelerator, dict(catalog.accelerators)),
                path=(*here, "accelerator"),
            )
        if contract.region is not None and contract.region not in catalog.regions:
            raise ScenarioError(
                "", _known("region", contract.region, dict(catalog.regions)), path=(*here, "region")
            )
        for r in range(1, len(contract.ramp)):
            if contract.ramp[r].month <= contract.ramp[r - 1].month:
                raise ScenarioError(
                    "",
                    "ramp months must increase: "
                    f"{contract.ramp[r].month:%Y-%m} after {contract.ramp[r - 1].month:%Y-%m}",
                    path=(*here, "ramp", r, "month"),
                )
