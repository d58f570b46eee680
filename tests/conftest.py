"""Shared fixtures: a tiny hand-built catalog whose numbers make results easy to check by hand."""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.catalog.models import Catalog

SRC = {"source": "test fixture", "date": "2025"}


def sourced(value: float) -> dict[str, Any]:
    return {"value": value, **SRC}


def accelerator(
    acc_id: str, it_w: float, bf16: float, fp8: float, price: float, available: str = "2023-01"
) -> dict[str, Any]:
    return {
        "id": acc_id,
        "name": acc_id.upper(),
        "vendor": "Test",
        "form_factor": "test",
        "available_from": available,
        "chip_tdp_w": sourced(it_w / 2),
        "it_power_w": sourced(it_w),
        "bf16_tflops": sourced(bf16),
        "fp8_tflops": sourced(fp8),
        "hbm_gb": sourced(80),
        "scale_up_domain": sourced(8),
        "price_usd": sourced(price),
    }


def tiny_catalog_dict() -> dict[str, Any]:
    return {
        "accelerators": {
            # 1 MW holds exactly 1,000 H100s at 1 kW each: numbers stay round.
            "h100": accelerator("h100", 1000, 1000, 2000, 30_000),
            "fast": accelerator("fast", 2000, 2500, 5000, 50_000, available="2026-01"),
        },
        "regions": {
            "tx": {
                "id": "tx",
                "name": "Texas",
                "electricity_usd_per_mwh": sourced(50),
                "pue": sourced(1.25),
                "land_usd_per_acre": sourced(10_000),
                "construction_cost_factor": sourced(1.0),
            },
            "ny": {
                "id": "ny",
                "name": "New York",
                "electricity_usd_per_mwh": sourced(80),
                "pue": sourced(1.1),
                "land_usd_per_acre": sourced(20_000),
                "construction_cost_factor": sourced(1.2),
            },
        },
        "cost": {
            "facility_usd_per_mw_it": sourced(10e6),
            "share_shell": sourced(0.4),
            "share_electrical": sourced(0.35),
            "share_mechanical": sourced(0.25),
            "network_share_of_it": sourced(0.1),
            "construction_months": sourced(12),
            "it_install_months": sourced(2),
            "facility_mw_per_acre": sourced(1.0),
            "permanent_jobs_per_site": sourced(0),
            "permanent_jobs_per_gw": sourced(300),
            "construction_workers_per_gw": sourced(3000),
            "transformer_lead_weeks": sourced(52),
            "switchgear_lead_weeks": sourced(26),
            "turbine_lead_months": sourced(36),
            "transformers_per_gw": sourced(10),
        },
        "supply": {
            2026: {
                "year": 2026,
                "large_transformers": sourced(100),
                "gas_turbines_gw": sourced(10),
                "grid_interconnection_gw": sourced(20),
                "accelerators_shipped": sourced(5e6),
            },
        },
    }


@pytest.fixture
def tiny_catalog() -> Catalog:
    return Catalog.model_validate(tiny_catalog_dict())
