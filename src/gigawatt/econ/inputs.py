"""Resolve a scenario's `FinanceSettings` against the sourced defaults into plain numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from gigawatt.econ.defaults import FinanceDefaults
from gigawatt.scenario.finance import CustomerTier, FinanceSettings, ReservedContract


class FinanceInputError(ValueError):
    """Financial inputs that cannot all hold (the CLI prints the message, exit code 2)."""


@dataclass(frozen=True)
class FinanceInputs:
    """Every number the finance model uses, resolved (settings over defaults). Rates a year."""

    lives_years: dict[str, float]  # capex category -> book life; land absent (not depreciated)
    tax_life_it_years: float
    tax_life_facility_years: float
    tax_rate: float
    tax_losses: str
    wacc: float
    debt_share: float
    debt_rate: float
    cost_of_equity: float | None
    debt_term_years: float
    om_usd_per_mw_it_year: float
    electricity_escalation_per_year: float
    electricity_price_factor: float
    property_tax_rate: float
    sales_tax_rate: float
    sales_tax_exemption: bool
    property_tax_abatement: bool
    abatement_share: float
    abatement_years: float
    investment_tax_credit: bool
    itc_rate: float
    itc_categories: tuple[str, ...]
    bonus_depreciation: bool
    bonus_depreciation_share: float
    loan_guarantee: bool
    price_per_h100e_hour_usd: float
    price_per_accelerator_hour_usd: dict[str, float]
    price_reference_month: dt.date
    price_decline_per_year: float
    price_decline_by_accelerator: dict[str, float]
    price_level_factor: float
    utilization: float
    on_demand_share: float
    internal_use: str
    transfer_price_discount: float
    reserved: tuple[ReservedContract, ...]
    customers: tuple[CustomerTier, ...]
    demand_growth_factor: float
    terminal_value: str
    capitalize_construction_interest: bool
    break_even_years: tuple[int, ...]
    #: accelerator -> (USD per accelerator-hour, the month it holds, its source): sourced
    #: market prices used where the scenario gives no price for the accelerator.
    market_prices: dict[str, tuple[float, dt.date, str]] = field(default_factory=dict)
    sources: dict[str, str] = field(
        default_factory=dict
    )  # input name -> "default: source" / "scenario"

    def with_changes(self, **changes: object) -> FinanceInputs:
        """A copy with some inputs replaced (sweeps and incentive read-outs use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def weighted_cost_of_capital(
    debt_share: float, debt_rate: float, cost_of_equity: float, tax_rate: float
) -> float:
    """After-tax WACC, a year: E/V x Re + D/V x Rd x (1 - t) (textbook, e.g. Brealey-Myers)."""
    return (1 - debt_share) * cost_of_equity + debt_share * debt_rate * (1 - tax_rate)


def resolve_inputs(
    settings: FinanceSettings,
    defaults: FinanceDefaults,
    utilization: float | None = None,
) -> FinanceInputs:
    """Merge `settings` over `defaults`; `utilization` (e.g. simulated) overrides both.

    Records in `sources` where each number came from, so a summary can trace it."""
    sources: dict[str, str] = {}

    def pick(name: str, given: float | None, default_key: str) -> float:
        if given is not None:
            sources[name] = "scenario"
            return float(given)
        entry = getattr(defaults, default_key)
        sources[name] = f"default: {entry.source} ({entry.date})"
        return float(entry.value)

    dep = settings.depreciation
    lives = {
        "it_hardware": pick(
            "life_it_hardware_years", dep.it_hardware_years, "life_it_hardware_years"
        ),
        "network": pick("life_network_years", dep.network_years, "life_network_years"),
        "shell": pick("life_shell_years", dep.shell_years, "life_shell_years"),
        "electrical": pick("life_electrical_years", dep.electrical_years, "life_electrical_years"),
        "mechanical": pick("life_mechanical_years", dep.mechanical_years, "life_mechanical_years"),
    }
    tax_rate = pick("tax_rate", settings.tax_rate, "corporate_tax_rate")
    fin = settings.financing
    inc = settings.incentives
    debt_term = pick("debt_term_years", fin.debt_term_years, "debt_term_years")
    if fin.wacc is not None:
        wacc = float(fin.wacc)
        sources["wacc"] = "scenario"
        debt_share, debt_rate, cost_of_equity = 0.0, 0.0, None
    else:
        debt_share = pick("debt_share", fin.debt_share, "debt_share")
        debt_rate = pick("debt_rate", fin.debt_rate, "debt_rate")
        cost_of_equity = pick("cost_of_equity", fin.cost_of_equity, "cost_of_equity")
        if inc.loan_guarantee:
            debt_rate = pick(
                "loan_guarantee_debt_rate", inc.loan_guarantee_debt_rate, "loan_guarantee_debt_rate"
            )
        if cost_of_equity < debt_rate:
            raise FinanceInputError(
                f"cost_of_equity {cost_of_equity:.2%} is below the debt rate {debt_rate:.2%}; "
                "equity carries more risk than debt, so it cannot be cheaper"
            )
        wacc = weighted_cost_of_capital(debt_share, debt_rate, cost_of_equity, tax_rate)
        sources["wacc"] = (
            "derived: (1 - debt_share) x cost_of_equity + debt_share x debt_rate x (1 - tax_rate)"
        )
    rev = settings.revenue
    if utilization is not None:
        if not 0 < utilization <= 1:
            raise FinanceInputError(f"utilization must be in (0, 1], got {utilization}")
        sources["utilization"] = "given (simulation or command line)"
        util = float(utilization)
    else:
        util = pick("utilization", rev.utilization, "utilization")
    if rev.price_reference_month is not None:
        ref_month = rev.price_reference_month
        sources["price_reference_month"] = "scenario"
    else:
        ref_month = dt.date.fromisoformat(defaults.price_per_h100e_hour_usd.date[:7] + "-01")
        sources["price_reference_month"] = "default: date of price_per_h100e_hour_usd"
    return FinanceInputs(
        lives_years=lives,
        tax_life_it_years=float(defaults.tax_life_it_years.value),
        tax_life_facility_years=float(defaults.tax_life_facility_years.value),
        tax_rate=tax_rate,
        tax_losses=settings.tax_losses,
        wacc=wacc,
        debt_share=debt_share,
        debt_rate=debt_rate,
        cost_of_equity=cost_of_equity,
        debt_term_years=debt_term,
        om_usd_per_mw_it_year=pick(
            "om_usd_per_mw_it_year", settings.om_usd_per_mw_it_year, "om_usd_per_mw_it_year"
        ),
        electricity_escalation_per_year=pick(
            "electricity_escalation_per_year",
            settings.electricity_escalation_per_year,
            "electricity_escalation_per_year",
        ),
        electricity_price_factor=settings.electricity_price_factor,
        property_tax_rate=pick(
            "property_tax_rate", settings.property_tax_rate, "property_tax_rate"
        ),
        sales_tax_rate=pick("sales_tax_rate", settings.sales_tax_rate, "sales_tax_rate"),
        sales_tax_exemption=inc.sales_tax_exemption,
        property_tax_abatement=inc.property_tax_abatement,
        abatement_share=pick(
            "abatement_share", inc.abatement_share, "property_tax_abatement_share"
        ),
        abatement_years=pick(
            "abatement_years", inc.abatement_years, "property_tax_abatement_years"
        ),
        investment_tax_credit=inc.investment_tax_credit,
        itc_rate=pick("itc_rate", inc.itc_rate, "investment_tax_credit_rate"),
        itc_categories=tuple(inc.itc_categories),
        bonus_depreciation=inc.bonus_depreciation,
        bonus_depreciation_share=float(defaults.bonus_depreciation_share.value),
        loan_guarantee=inc.loan_guarantee,
        price_per_h100e_hour_usd=pick(
            "price_per_h100e_hour_usd", rev.price_per_h100e_hour_usd, "price_per_h100e_hour_usd"
        ),
        price_per_accelerator_hour_usd=dict(rev.price_per_accelerator_hour_usd),
        price_reference_month=ref_month,
        price_decline_per_year=pick(
            "price_decline_per_year", rev.price_decline_per_year, "price_decline_per_year"
        ),
        price_decline_by_accelerator=dict(rev.price_decline_per_year_by_accelerator),
        price_level_factor=1.0,
        utilization=util,
        on_demand_share=rev.on_demand_share,
        internal_use=rev.internal_use,
        transfer_price_discount=rev.transfer_price_discount,
        reserved=tuple(rev.reserved),
        customers=tuple(rev.customers),
        demand_growth_factor=1.0,
        terminal_value=settings.terminal_value,
        capitalize_construction_interest=settings.capitalize_construction_interest,
        break_even_years=tuple(settings.break_even_years),
        market_prices={
            acc: (
                float(entry.value),
                dt.date.fromisoformat(entry.date[:7] + "-01"),
                f"{entry.source} ({entry.date})" + (f"; {entry.note}" if entry.note else ""),
            )
            for acc, entry in defaults.market_price_per_accelerator_hour_usd.items()
            if acc not in rev.price_per_accelerator_hour_usd
        },
        sources=sources,
    )
