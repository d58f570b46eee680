"""The bundled catalog in data/catalog: loads, is complete, every number is sourced and sane."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.catalog.load import CATALOG_FILES, catalog_dir, catalog_from_documents

ACCELERATORS = {
    "h100",
    "h200",
    "b200",
    "gb200-nvl72",
    "gb300-nvl72",
    "tpu-v5p",
    "tpu-v6e",
    "tpu7x",
    "trainium2",
    "trainium3",
    "mi300x",
    "mi355x",
}
REGIONS = {"tx", "ny", "in", "oh", "la", "wi", "tn", "va", "az"}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def raw_documents() -> dict[str, Any]:
    base = catalog_dir()
    docs: dict[str, Any] = {}
    for key, name in CATALOG_FILES.items():
        with (base / name).open(encoding="utf-8") as handle:
            docs[key] = yaml.safe_load(handle)
    return docs


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Yield (path, parent key, node) for every node in a parsed YAML tree."""
    if isinstance(node, dict):
        for key, child in node.items():
            yield f"{path}/{key}", key, child
            yield from walk(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield f"{path}[{index}]", index, child
            yield from walk(child, f"{path}[{index}]")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_bundled_catalog_lives_in_data_catalog() -> None:
    assert catalog_dir() == Path(__file__).resolve().parents[2] / "data" / "catalog"


def test_bundled_catalog_loads(catalog: Catalog) -> None:
    assert isinstance(catalog, Catalog)


def test_required_accelerators_and_regions_exist(catalog: Catalog) -> None:
    assert set(catalog.accelerators) >= ACCELERATORS
    assert set(catalog.regions) >= REGIONS
    for acc_id, acc in catalog.accelerators.items():
        assert acc.id == acc_id
    for region_id, region in catalog.regions.items():
        assert region.id == region_id


def test_supply_covers_2025_to_2032(catalog: Catalog) -> None:
    assert sorted(catalog.supply) == list(range(2025, 2033))


def test_every_number_in_the_yaml_is_sourced() -> None:
    sourced_count = 0
    for key, document in raw_documents().items():
        for path, parent_key, node in walk(document):
            where = f"{CATALOG_FILES[key]}{path}"
            if isinstance(node, dict) and "value" in node:
                sourced_count += 1
                assert isinstance(node["value"], int | float), where
                assert isinstance(node.get("source"), str), where
                assert len(node["source"].strip()) >= 3, where
                assert isinstance(node.get("date"), str), f"{where}: quote the date"
                assert DATE.match(node["date"]), where
                note = node.get("note")
                assert note is None or (isinstance(note, str) and note.strip()), where
            elif isinstance(node, bool):
                pytest.fail(f"{where}: unexpected boolean")
            elif isinstance(node, int | float):
                # The only bare numbers allowed: a Sourced value and the ends of its published
                # range (low, high: same source), or the supply year key.
                assert parent_key in ("value", "low", "high", "year"), (
                    f"{where}: number without a source"
                )
    assert sourced_count > 100


def test_assumptions_say_so() -> None:
    for key, document in raw_documents().items():
        for path, _, node in walk(document):
            if isinstance(node, dict) and "value" in node and "assumption" in node["source"]:
                note = node.get("note") or ""
                assert "assumption" in note, f"{CATALOG_FILES[key]}{path}: explain the assumption"


def test_accelerators_are_physically_sane(catalog: Catalog) -> None:
    for acc in catalog.accelerators.values():
        assert acc.it_power_w.value > acc.chip_tdp_w.value, acc.id
        assert acc.it_power_w.value < 3 * acc.chip_tdp_w.value, acc.id
        assert acc.fp8_tflops.value >= acc.bf16_tflops.value, acc.id
        assert acc.bf16_tflops.value > 0, acc.id
        assert acc.hbm_gb.value > 0, acc.id
        assert acc.scale_up_domain.value >= 8, acc.id
        assert 1_000 < acc.price_usd.value < 200_000, acc.id  # a 4-die Rubin Ultra package
        assert DATE.match(acc.available_from) and len(acc.available_from) == 7, acc.id


def test_regions_are_physically_sane(catalog: Catalog) -> None:
    for region in catalog.regions.values():
        assert 1.0 < region.pue.value < 2.0, region.id
        assert 20 < region.electricity_usd_per_mwh.value < 200, region.id
        assert region.land_usd_per_acre.value > 0, region.id
        assert 0.5 < region.construction_cost_factor.value < 2.0, region.id


def test_cost_factors_are_sane(catalog: Catalog) -> None:
    cost = catalog.cost
    shares = cost.share_shell.value + cost.share_electrical.value + cost.share_mechanical.value
    assert shares == pytest.approx(1.0, abs=1e-9)
    for share in (cost.share_shell, cost.share_electrical, cost.share_mechanical):
        assert 0 < share.value < 1
    assert 0 < cost.network_share_of_it.value < 1
    assert 5e6 < cost.facility_usd_per_mw_it.value < 30e6
    assert cost.facility_mw_per_acre.value > 0
    assert cost.construction_months.value > cost.it_install_months.value > 0


def test_supply_is_positive(catalog: Catalog) -> None:
    for year in catalog.supply.values():
        for item in (
            year.large_transformers,
            year.gas_turbines_gw,
            year.grid_interconnection_gw,
            year.accelerators_shipped,
        ):
            assert item.value > 0, year.year


def test_unknown_key_is_rejected() -> None:
    docs = raw_documents()
    assert isinstance(catalog_from_documents(docs), Catalog)

    bad_accelerator = copy.deepcopy(docs)
    bad_accelerator["accelerators"]["accelerators"][0]["tdp_watts"] = 700
    with pytest.raises(ValidationError, match="tdp_watts"):
        catalog_from_documents(bad_accelerator)

    bad_sourced = copy.deepcopy(docs)
    bad_sourced["cost"]["cost"]["construction_months"]["unit"] = "months"
    with pytest.raises(ValidationError, match="unit"):
        catalog_from_documents(bad_sourced)

    bad_cost = copy.deepcopy(docs)
    bad_cost["cost"]["cost"]["contingency"] = {"value": 0.1, "source": "x" * 3, "date": "2025"}
    with pytest.raises(ValidationError, match="contingency"):
        catalog_from_documents(bad_cost)


def test_unsourced_value_is_rejected() -> None:
    docs = raw_documents()
    del docs["regions"]["regions"][0]["pue"]["source"]
    with pytest.raises(ValidationError):
        catalog_from_documents(docs)
