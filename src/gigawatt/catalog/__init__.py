"""Catalogs as data: accelerators, regions, cost factors, national supply."""

from gigawatt.catalog.load import load_catalog
from gigawatt.catalog.models import Accelerator, Catalog, CostFactors, Region, Sourced, SupplyYear

__all__ = [
    "Accelerator",
    "Catalog",
    "CostFactors",
    "Region",
    "Sourced",
    "SupplyYear",
    "load_catalog",
]
