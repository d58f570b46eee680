"""Finance cross-checks against published numbers (bundled catalog and finance defaults).

Each test names its source, what is compared, and a tolerance fixed before running. Results
and the reasons for the misses are in docs/finance.md ("Cross-checks"). `pytest -s` prints
the numbers.

Sources:
- H100: Latent Space, "$2 H100s: How the GPU Rental Bubble Burst" (2024-10): below ~$1.65
  per H100-hour the hardware does not pay back (https://www.latent.space/p/gpu-bubble);
  SemiAnalysis H100 1-year rental index trough $1.70 (2025-10), described as sitting at that
  break-even (https://newsletter.semianalysis.com/p/the-great-gpu-shortage-rental-capacity).
  The issue's band: $1.4-1.7 per H100-hour.
- Epoch AI (Michael & Cottier), "AI datacenter cost breakdown" (2026-05-14): a 1 GW (IT)
  GB200 NVL72 data center, $38B capex, $0.9B/yr opex, TCO $8.5B/yr with 5-year IT and 14-year
  facility lives; $12B/yr at 3-year and $7B/yr at 7-year IT lives
  (https://epoch.ai/data-insights/ai-datacenter-cost-breakdown).
- Bernstein (S. Rasgon et al., 2025-09, via Investing.com): a GB200 NVL72 rack costs ~$5.9M
  all-in, $3.4M of compute (IT) and $2.5M of physical infrastructure
  (https://ng.investing.com/news/stock-market-news/how-much-does-a-gw-of-data-center-capacity-actually-cost-2169144).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gigawatt.catalog import load_catalog
from gigawatt.econ.defaults import load_finance_defaults
from gigawatt.econ.financials import finance_buildout
from gigawatt.plan import plan_scenario
from gigawatt.plan.buildout import Buildout
from gigawatt.scenario.finance import FinanceSettings
from gigawatt.scenario.models import Scenario

#: Steady state: every tranche in service (online 2025-01), no IT life yet over.
STEADY = dt.date(2026, 1, 1)
#: US-average construction cost (factor 1.0), as Epoch's and Bernstein's are not regional.
REGION = "ny"


def one_site(accelerator: str, it_mw: float) -> Buildout:
    """One campus online 2025-01 with land sized to its facility power (catalog MW/acre)."""
    catalog = load_catalog()
    pue = catalog.regions[REGION].pue.value
    acres = it_mw * pue / catalog.cost.facility_mw_per_acre.value
    scenario = Scenario.model_validate(
        {
            "program": {"name": "x", "start": "2024-01", "horizon_months": 120, "budget_usd": 1e13},
            "sites": [
                {
                    "id": "s",
                    "name": "s",
                    "region": REGION,
                    "land_acres": acres,
                    "grid": {"power_mw": 10 * it_mw, "interconnect": "2020-01"},
                    "phases": [
                        {
                            "name": "p",
                            "online": "2025-01",
                            "it_mw": it_mw,
                            "accelerator": accelerator,
                        }
                    ],
                }
            ],
        }
    )
    return plan_scenario(scenario, catalog)


def steady_month(buildout: Buildout, finance: FinanceSettings) -> dict[str, float]:
    fin = finance_buildout(
        buildout, finance, load_finance_defaults(), valuation_month=dt.date(2024, 1, 1)
    )
    k = buildout.months.index(STEADY)
    c = fin.costs
    return {
        "tco": float(c.tco[k]),
        "capital": float(c.capital_charge[k]),
        "energy": float(c.energy[k]),
        "om": float(c.om[k]),
        "property_tax": float(c.property_tax[k]),
        "hours": float(c.accelerator_hours[k]),
    }


#: "Capex recovery" as the published break-evens count it: hardware, facility, power and
#: operations at the model's cost of capital; no sales or property tax.
CAPEX_RECOVERY: dict[str, Any] = {
    "incentives": {"sales_tax_exemption": True},
    "property_tax_rate": 0.0,
}


def test_h100_hour_at_full_use_is_within_published_break_even_band() -> None:
    month = steady_month(one_site("h100", 100), FinanceSettings.model_validate(CAPEX_RECOVERY))
    per_hour = month["tco"] / month["hours"]
    parts = {k: round(v / month["hours"], 3) for k, v in month.items() if k not in ("tco", "hours")}
    print(f"\nH100 hour at full use: ${per_hour:.3f} ({parts}); published $1.4-1.7")
    assert 1.4 <= per_hour <= 1.7


def test_h100_hour_with_sales_and_property_tax_is_above_the_band() -> None:
    """With the model's default taxes (8.2% sales tax on IT, 1.5% property tax) the hour costs
    more than the published capex-recovery figures, which leave taxes out. Recorded, not a
    reproduction."""
    month = steady_month(one_site("h100", 100), FinanceSettings())
    per_hour = month["tco"] / month["hours"]
    print(f"\nH100 hour at full use, default taxes: ${per_hour:.3f}")
    assert per_hour > 1.7


EPOCH_LIVES: dict[str, Any] = {
    "depreciation": {
        "it_hardware_years": 5,
        "network_years": 5,
        "shell_years": 14,
        "electrical_years": 14,
        "mechanical_years": 14,
    },
    # Epoch's opex is energy + O&M; our O&M default is derived from it, so no property tax.
    **CAPEX_RECOVERY,
}


@pytest.mark.parametrize(("it_life", "epoch_tco_b"), [(5, 8.5), (3, 12.0), (7, 7.0)])
def test_gw_of_gb200_costs_what_epoch_ai_estimates_a_year(it_life: int, epoch_tco_b: float) -> None:
    data = {
        **EPOCH_LIVES,
        "depreciation": {
            **EPOCH_LIVES["depreciation"],
            "it_hardware_years": it_life,
            "network_years": it_life,
        },
    }
    month = steady_month(one_site("gb200-nvl72", 1000), FinanceSettings.model_validate(data))
    annual_b = 12 * month["tco"] / 1e9
    print(
        f"\n1 GW IT GB200, {it_life}-yr IT: ${annual_b:.2f}B/yr (capital "
        f"{12 * month['capital'] / 1e9:.2f}, energy {12 * month['energy'] / 1e9:.2f}, O&M "
        f"{12 * month['om'] / 1e9:.2f}); Epoch ${epoch_tco_b}B/yr"
    )
    assert annual_b == pytest.approx(epoch_tco_b, rel=0.10)


def gb200_rack_capex() -> dict[str, float]:
    """Capex per GB200 NVL72 rack (72 GPUs) of a 1,000-rack site, by part, USD (no land)."""
    catalog = load_catalog()
    watts = catalog.accelerators["gb200-nvl72"].it_power_w.value
    racks = 1000
    plan = one_site("gb200-nvl72", racks * 72 * watts / 1e6 + 1e-6)
    assert sum(p.accelerators for p in plan.phases) == racks * 72
    parts: dict[str, float] = {}
    for e in plan.capex:
        parts[e.category] = parts.get(e.category, 0.0) + e.usd / racks
    return {
        "it": parts["it_hardware"] + parts["network"],
        "facility": parts["shell"] + parts["electrical"] + parts["mechanical"],
    }


def test_gb200_rack_all_in_capex_matches_bernstein() -> None:
    rack = gb200_rack_capex()
    total = rack["it"] + rack["facility"]
    print(
        f"\nGB200 NVL72 rack: IT ${rack['it'] / 1e6:.2f}M + facility "
        f"${rack['facility'] / 1e6:.2f}M = ${total / 1e6:.2f}M; Bernstein $3.4M + $2.5M = $5.9M"
    )
    assert total == pytest.approx(5.9e6, rel=0.10)


@pytest.mark.xfail(
    strict=True,
    reason="catalog GB200 price is $37,000 GPU (Epoch AI chip sales) + $4,600 share, +29% "
    "network: $3.86M a rack; Bernstein's 39% GPU share of $5.9M implies ~$32,000 per GPU",
)
def test_gb200_rack_it_capex_matches_bernstein() -> None:
    assert gb200_rack_capex()["it"] == pytest.approx(3.4e6, rel=0.10)


@pytest.mark.xfail(
    strict=True,
    reason="catalog facility cost is Epoch's $11.77M per MW of all-in IT (2.09 kW/GPU): "
    "$1.77M a rack; Bernstein's $2.5M is ~$19M per MW of 132 kW rack IT and includes on-site "
    "generation (~6% of all-in)",
)
def test_gb200_rack_facility_capex_matches_bernstein() -> None:
    assert gb200_rack_capex()["facility"] == pytest.approx(2.5e6, rel=0.10)
