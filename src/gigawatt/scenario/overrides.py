"""Merge a scenario's catalog overrides into the bundled catalog."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from gigawatt.catalog.models import Catalog
from gigawatt.scenario.errors import ScenarioError
from gigawatt.scenario.models import CatalogOverrides


def apply_overrides(catalog: Catalog, overrides: CatalogOverrides) -> Catalog:
    """Return a new catalog with `overrides` merged in (fields replaced, new ids added)."""
    if not (overrides.accelerators or overrides.regions or overrides.cost):
        return catalog
    raw = catalog.model_dump()
    for section in ("accelerators", "regions"):
        table: dict[str, Any] = raw[section]
        for key, fields in getattr(overrides, section).items():
            merged = {**table.get(key, {"id": key}), **fields}
            table[key] = merged
    raw["cost"] = {**raw["cost"], **overrides.cost}
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        path: tuple[str | int, ...] = ("catalog_overrides", *[str(p) for p in loc])
        raise ScenarioError("", f"{first['msg']}", path=path) from None
