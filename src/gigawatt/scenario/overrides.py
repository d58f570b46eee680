"""Merge a scenario's catalog overrides into the bundled catalog."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from gigawatt.catalog.models import Catalog
from gigawatt.scenario.errors import ScenarioError, describe_validation_error
from gigawatt.scenario.models import CatalogOverrides


def apply_overrides(catalog: Catalog, overrides: CatalogOverrides) -> Catalog:
    """Return a new catalog with `overrides` merged in (fields replaced, new ids added).

    Raises `ScenarioError` (with a ``catalog_overrides...`` field path, no file) if the
    merged catalog is not valid: an unknown field, a value without its source, a new entry
    missing fields.
    """
    if not (overrides.accelerators or overrides.regions or overrides.cost):
        return catalog
    raw = catalog.model_dump()
    for section in ("accelerators", "regions"):
        table: dict[str, Any] = raw[section]
        for key, fields in getattr(overrides, section).items():
            if "id" in fields and fields["id"] != key:
                raise ScenarioError(
                    "",
                    f"id {fields['id']!r} differs from its key; expected {key!r} or no id",
                    path=("catalog_overrides", section, key, "id"),
                )
            table[key] = {**table.get(key, {"id": key}), **fields}
    raw["cost"] = {**raw["cost"], **overrides.cost}
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        path, message = describe_validation_error(exc, Catalog)
        raise ScenarioError("", message, path=("catalog_overrides", *path)) from None
