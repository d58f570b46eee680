"""The scenario's optional ``finance:`` and ``uncertainty:`` sections, as strict frozen models.

Field descriptions are the YAML reference (docs/finance.md, docs/sweep.md). A field left out
(``None``) takes its sourced default from ``data/finance/defaults.yaml``; `resolve_inputs` in
`gigawatt.econ.inputs` merges the two into plain numbers. Validators reject inputs that cannot
all be true at once (a WACC *and* a debt/equity split, a loan guarantee without debt, ...).
Types only: these models sit beside the other scenario models, below `gigawatt.econ`, which
computes with them.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from gigawatt.catalog.models import CatalogId
from gigawatt.scenario.months import Month

Rate = Annotated[float, Field(ge=0, lt=1)]
Life = Annotated[float, Field(gt=0, le=100)]
CapexCategory = Literal["land", "shell", "electrical", "mechanical", "it_hardware", "network"]


class StrictModel(BaseModel):
    """Frozen; unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Depreciation(StrictModel):
    """Book (straight-line) lives per capex category, years. Land is not depreciated."""

    it_hardware_years: Life | None = Field(default=None, description="Servers. Default 5 (Epoch).")
    network_years: Life | None = Field(default=None, description="Scale-out network. Default 5.")
    shell_years: Life | None = Field(default=None, description="Building shell. Default 25.")
    electrical_years: Life | None = Field(default=None, description="Electrical plant. Default 14.")
    mechanical_years: Life | None = Field(default=None, description="Cooling plant. Default 14.")


class Financing(StrictModel):
    """How the capex is paid for: either one `wacc`, or a debt/equity split that implies one."""

    wacc: Rate | None = Field(
        default=None,
        gt=0,
        description="Discount rate (after-tax weighted average cost of capital), a year. "
        "Give this or the debt/equity fields, not both.",
    )
    debt_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of capex paid with debt. Default 0.5."
    )
    debt_rate: Rate | None = Field(
        default=None, description="Interest rate on debt, a year. Default 6.58% (Hyperion bonds)."
    )
    cost_of_equity: Rate | None = Field(
        default=None, description="Return equity holders require, a year. Default 12%."
    )
    debt_term_years: float | None = Field(
        default=None, gt=0, le=50, description="Each debt draw is repaid as a level annuity."
    )

    @model_validator(mode="after")
    def _one_way(self) -> Financing:
        split = [self.debt_share, self.debt_rate, self.cost_of_equity]
        if self.wacc is not None and any(v is not None for v in split):
            raise ValueError(
                "give either financing.wacc or debt_share/debt_rate/cost_of_equity, not both "
                "(the split implies a WACC)"
            )
        if (
            self.debt_rate is not None
            and self.cost_of_equity is not None
            and self.cost_of_equity < self.debt_rate
        ):
            raise ValueError(
                f"cost_of_equity {self.cost_of_equity:.2%} is below debt_rate {self.debt_rate:.2%}; "
                "equity carries more risk than debt, so it cannot be cheaper"
            )
        return self


class Incentives(StrictModel):
    """Incentives as explicit switches; the report shows each one's effect separately."""

    sales_tax_exemption: bool = Field(
        default=False, description="No sales tax on IT hardware and network purchases."
    )
    property_tax_abatement: bool = Field(
        default=False, description="Abate a share of property tax for the first years."
    )
    abatement_share: float | None = Field(default=None, gt=0, le=1, description="Default 0.85.")
    abatement_years: float | None = Field(default=None, gt=0, le=50, description="Default 10.")
    investment_tax_credit: bool = Field(
        default=False, description="A CHIPS-style (48D) credit on `itc_categories` capex."
    )
    itc_rate: float | None = Field(default=None, gt=0, le=1, description="Default 35% (48D).")
    itc_categories: list[CapexCategory] = Field(
        default_factory=lambda: list[CapexCategory](["it_hardware", "network"]),
        min_length=1,
        description="Capex categories the credit applies to.",
    )
    bonus_depreciation: bool = Field(
        default=True,
        description="100% first-year tax depreciation of IT hardware and network (federal law "
        "since 2025, OBBBA).",
    )
    loan_guarantee: bool = Field(
        default=False,
        description="A government loan guarantee: debt at `loan_guarantee_debt_rate`.",
    )
    loan_guarantee_debt_rate: Rate | None = Field(
        default=None, description="Guaranteed debt rate. Default 4.7% (DOE LPO/FFB pricing)."
    )


class ReservedContract(StrictModel):
    """A tenant reserves accelerators for a term at a fixed hourly price."""

    tenant: str = Field(min_length=1, description="Who reserves the capacity.")
    accelerators: int = Field(gt=0, le=100_000_000, description="Accelerators reserved.")
    accelerator: CatalogId | None = Field(
        default=None, description="Accelerator type reserved; default: any type in the fleet."
    )
    start: Month = Field(description="First month of the reservation (YYYY-MM).")
    term_months: int = Field(gt=0, le=600, description="Length of the reservation, months.")
    price_per_accelerator_hour_usd: float = Field(
        gt=0, le=1000, description="Price the tenant pays per reserved accelerator-hour."
    )


class CustomerTier(StrictModel):
    """A group of customers with the same spend (the customer-based demand model)."""

    name: str = Field(min_length=1, description="Name of the tier (e.g. large accounts).")
    customers: float = Field(ge=0, le=1e10, description="Number of customers at `start`.")
    annual_spend_usd: float = Field(ge=0, le=1e12, description="Spend per customer per year.")
    growth_per_year: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="Multiple by which the tier's revenue grows in a year (7 = seven-fold).",
    )
    growth_years: float = Field(
        default=100,
        gt=0,
        le=100,
        description="Growth stops after this many years (revenue stays flat after).",
    )
    start: Month | None = Field(default=None, description="Default: the program start.")


class Revenue(StrictModel):
    """Where the money comes from: reserved contracts, on-demand sales, internal use."""

    price_per_h100e_hour_usd: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="Market price of one H100-hour at the reference month; other accelerators "
        "are priced by their H100-equivalents. Default $2.2 (2025 neocloud on-demand).",
    )
    price_per_accelerator_hour_usd: dict[CatalogId, Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=dict, description="Per-accelerator price at the reference month."
    )
    price_reference_month: Month | None = Field(
        default=None, description="Month the prices above hold. Default 2025-06."
    )
    price_decline_per_year: Rate | None = Field(
        default=None, description="Yearly fall of the market price path. Default 24%."
    )
    price_decline_per_year_by_accelerator: dict[CatalogId, Rate] = Field(
        default_factory=dict,
        description="Per accelerator generation, a yearly price fall of its own (e.g. a new "
        "generation holding its price longer).",
    )
    utilization: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="Share of accelerator-hours used (sold or used internally). Default 0.85; "
        "the simulated utilization replaces it when given.",
    )
    on_demand_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of the capacity not reserved that is sold on demand; the rest is "
        "used internally.",
    )
    internal_use: Literal["transfer_price", "customers", "none"] = Field(
        default="transfer_price",
        description="How internal use earns revenue: valued at the market price path times "
        "(1 - transfer_price_discount), from the `customers` demand model, or not at all.",
    )
    transfer_price_discount: float = Field(
        default=0.0, ge=0, lt=1, description="Internal use is valued this much below market."
    )
    reserved: list[ReservedContract] = Field(
        default_factory=list, description="Capacity reserved by tenants at fixed prices."
    )
    customers: list[CustomerTier] = Field(
        default_factory=list, description="Customer tiers of the demand model."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Revenue:
        if self.internal_use == "customers" and not self.customers:
            raise ValueError("internal_use is 'customers' but no customer tiers are given")
        if self.customers and self.internal_use != "customers":
            raise ValueError(
                f"customer tiers are given but internal_use is {self.internal_use!r}; set "
                "internal_use: customers (valuing internal use twice would double count)"
            )
        if self.on_demand_share == 1.0 and self.internal_use == "customers":
            raise ValueError(
                "on_demand_share 1.0 leaves no capacity for internal use, but internal_use is "
                "'customers'"
            )
        return self


class FinanceSettings(StrictModel):
    """The scenario's ``finance:`` section. Every number left out takes its sourced default."""

    depreciation: Depreciation = Field(
        default_factory=Depreciation, description="Book lives per capex category."
    )
    financing: Financing = Field(
        default_factory=Financing, description="Debt and equity, or one WACC."
    )
    incentives: Incentives = Field(
        default_factory=Incentives, description="Incentive switches; each effect is reported."
    )
    revenue: Revenue = Field(
        default_factory=Revenue, description="Prices, utilization and revenue streams."
    )
    om_usd_per_mw_it_year: float | None = Field(
        default=None, ge=0, le=1e8, description="Operations and maintenance, $/MW IT/year."
    )
    electricity_escalation_per_year: float | None = Field(
        default=None,
        gt=-0.5,
        lt=1,
        description="Yearly change of electricity prices from the program start. Default 0.",
    )
    electricity_price_factor: float = Field(
        default=1.0, gt=0, le=20, description="Multiplies the plan's energy cost (sweeps)."
    )
    property_tax_rate: Rate | None = Field(
        default=None,
        description="Property tax a year, share of net book value. Default 1.5% (assumption).",
    )
    sales_tax_rate: Rate | None = Field(
        default=None,
        description="Sales tax on IT hardware and network purchases. Default 8.2% (Texas).",
    )
    tax_rate: Rate | None = Field(default=None, description="Corporate income tax. Default 21%.")
    tax_losses: Literal["carry_forward", "group_relief"] = Field(
        default="carry_forward",
        description="carry_forward: losses offset later profits; group_relief: the owner has "
        "other profits, so a loss saves tax at once.",
    )
    terminal_value: Literal["book_value", "none"] = Field(
        default="book_value",
        description="Value of the assets at the end of the horizon: net book value, or none.",
    )
    capitalize_construction_interest: bool = Field(
        default=True,
        description="Cost of capital on money spent before an asset is in service counts in "
        "its cost (TCO per accelerator-hour).",
    )
    break_even_years: list[int] = Field(
        default_factory=lambda: [2028, 2030],
        description="Years for the 'revenue needed to break even by' read-out.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> FinanceSettings:
        if self.incentives.loan_guarantee and self.financing.wacc is not None:
            raise ValueError(
                "incentives.loan_guarantee lowers the debt rate, but financing gives a single "
                "wacc; give debt_share/debt_rate/cost_of_equity instead"
            )
        if self.incentives.loan_guarantee and self.financing.debt_share == 0:
            raise ValueError("incentives.loan_guarantee needs debt, but financing.debt_share is 0")
        return self


# --- uncertainty -------------------------------------------------------------------------

UncertainInput = Literal[
    "construction_delay_months",
    "interconnect_delay_months",
    "price_decline_per_year",
    "price_level_factor",
    "utilization",
    "demand_growth_factor",
    "electricity_price_factor",
    "chip_price_factor",
]

#: Values each input can take: (lowest, highest, what it means).
INPUT_DOMAINS: dict[str, tuple[float, float, str]] = {
    "construction_delay_months": (0.0, 120.0, "months every phase comes online late"),
    "interconnect_delay_months": (0.0, 120.0, "months every grid connection comes late"),
    "price_decline_per_year": (0.0, 0.99, "yearly fall of the compute price path"),
    "price_level_factor": (1e-3, 100.0, "multiplies the compute price path"),
    "utilization": (1e-3, 1.0, "share of accelerator-hours used"),
    "demand_growth_factor": (1e-3, 100.0, "multiplies customer-tier growth per year"),
    "electricity_price_factor": (1e-3, 100.0, "multiplies electricity prices"),
    "chip_price_factor": (1e-3, 100.0, "multiplies accelerator (IT hardware) prices"),
}

_PARAMS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required, optional)
    "fixed": ({"value"}, set()),
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
    "lognormal": ({"median", "sigma"}, {"low", "high"}),
}


class Distribution(StrictModel):
    """An uncertain input's distribution. ``normal`` and ``lognormal`` may be truncated to
    [low, high]; they must be when the input's domain is bounded and theirs is not."""

    dist: Literal["fixed", "uniform", "triangular", "normal", "lognormal"] = Field(
        description="Kind of distribution; it decides which parameters are needed."
    )
    value: float | None = Field(default=None, description="fixed: the value.")
    low: float | None = Field(
        default=None,
        description="uniform, triangular: lowest value; normal, lognormal: truncation.",
    )
    high: float | None = Field(
        default=None,
        description="uniform, triangular: highest value; normal, lognormal: truncation.",
    )
    mode: float | None = Field(default=None, description="triangular: the most likely value.")
    mean: float | None = Field(default=None, description="normal: the mean.")
    sd: float | None = Field(default=None, description="normal: the standard deviation (> 0).")
    median: float | None = Field(default=None, description="lognormal: the median (> 0).")
    sigma: float | None = Field(
        default=None, description="lognormal: the standard deviation of the log (> 0)."
    )

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        required, optional = _PARAMS[self.dist]
        given = {
            name
            for name in ("value", "low", "high", "mode", "mean", "sd", "median", "sigma")
            if getattr(self, name) is not None
        }
        missing = required - given
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(sorted(missing))}")
        extra = given - required - optional
        if extra:
            raise ValueError(
                f"{self.dist} does not take {', '.join(sorted(extra))} "
                f"(it takes {', '.join(sorted(required | optional))})"
            )
        for name in given:
            if not math.isfinite(float(getattr(self, name))):
                raise ValueError(f"{name} must be a finite number")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular":
            assert self.low is not None and self.high is not None and self.mode is not None
            if not self.low <= self.mode <= self.high:
                raise ValueError(f"mode {self.mode} must lie within [low, high]")
        if self.dist == "normal" and self.sd is not None and self.sd <= 0:
            raise ValueError(f"sd must be positive, got {self.sd}")
        if self.dist == "lognormal":
            assert self.median is not None and self.sigma is not None
            if self.median <= 0:
                raise ValueError(f"lognormal median must be positive, got {self.median}")
            if self.sigma <= 0:
                raise ValueError(f"lognormal sigma must be positive, got {self.sigma}")
            if self.high is not None and self.high <= 0:
                raise ValueError("lognormal high must be positive")
        if self.dist == "normal" and self.low is not None and self.high is not None:
            assert self.mean is not None and self.sd is not None
            # A window many sd away from the mean holds (numerically) no probability.
            if (self.low - self.mean) / self.sd > 8 or (self.mean - self.high) / self.sd > 8:
                raise ValueError("the [low, high] window lies more than 8 sd from the mean")
        return self

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can produce."""
        if self.dist == "fixed":
            assert self.value is not None
            return self.value, self.value
        lowest = {"normal": -math.inf, "lognormal": 0.0}.get(self.dist, self.low)
        low = self.low if self.low is not None else lowest
        high = self.high if self.high is not None else math.inf
        assert low is not None
        return float(low), float(high)


class UncertaintySettings(StrictModel):
    """The scenario's ``uncertainty:`` section: inputs a sweep draws, and how."""

    method: Literal["lhs", "grid"] = Field(
        default="lhs", description="Latin hypercube sampling, or a full grid of quantiles."
    )
    seed: int = Field(default=0, ge=0, description="Seed of the sampler; same seed, same draws.")
    inputs: dict[UncertainInput, Distribution] = Field(
        default_factory=dict,
        description="Uncertain inputs by name. Empty: the bundled defaults "
        "(data/finance/uncertainty.yaml).",
    )

    @model_validator(mode="after")
    def _in_domain(self) -> UncertaintySettings:
        for name, dist in self.inputs.items():
            check_in_domain(name, dist)
        return self


def check_in_domain(name: str, dist: Distribution) -> None:
    """Raise ValueError if `dist` can produce a value outside the input's domain."""
    lowest, highest, meaning = INPUT_DOMAINS[name]
    low, high = dist.support()
    if low < lowest or high > highest:
        shown = f"[{low:g}, {high:g}]"
        hint = (
            "; a normal/lognormal is unbounded: give low and high to truncate it"
            if dist.dist in ("normal", "lognormal") and (dist.low is None or dist.high is None)
            else ""
        )
        raise ValueError(
            f"{name} ({meaning}) must stay within [{lowest:g}, {highest:g}], but this "
            f"{dist.dist} distribution reaches {shown}{hint}"
        )
