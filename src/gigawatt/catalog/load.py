"""Read and validate the catalog files (an edge: it does file I/O)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from gigawatt.catalog.models import Catalog
from gigawatt.datafiles import data_dir

#: Catalog files, each holding one top-level key of `Catalog`.
CATALOG_FILES = {
    "accelerators": "accelerators.yaml",
    "regions": "regions.yaml",
    "cost": "cost_factors.yaml",
    "supply": "supply.yaml",
}


def catalog_dir() -> Path:
    """The folder holding the catalog YAML files: ``data/catalog`` of the checkout."""
    return data_dir("catalog", "accelerators.yaml")


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def catalog_from_documents(documents: dict[str, Any]) -> Catalog:
    """Build a `Catalog` from the parsed YAML documents keyed as in `CATALOG_FILES`."""
    raw: dict[str, Any] = {}
    raw["accelerators"] = {a["id"]: a for a in documents["accelerators"]["accelerators"]}
    raw["regions"] = {r["id"]: r for r in documents["regions"]["regions"]}
    raw["cost"] = documents["cost"]["cost"]
    raw["supply"] = {int(y["year"]): y for y in documents["supply"]["supply"]}
    return Catalog.model_validate(raw)


@cache
def load_catalog(folder: Path | None = None) -> Catalog:
    """Load the bundled catalog (validated once and cached)."""
    base = folder or catalog_dir()
    documents = {key: _read(base / name) for key, name in CATALOG_FILES.items()}
    return catalog_from_documents(documents)
