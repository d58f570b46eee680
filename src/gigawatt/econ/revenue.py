"""Revenue of a fleet, by month: reserved contracts, on-demand sales, internal use at a
transfer price, or a customer-based demand model.

Prices follow one market path per accelerator: its price at the reference month (given, or
the price of an H100-hour times its H100-equivalents, i.e. priced by FP8 throughput as
Epoch AI counts compute) falling by `price_decline_per_year` (Epoch AI: GPU price-performance
doubles about every 2.5 years). Reserved contracts earn their contract price whether the
tenant uses the hours or not; on-demand and internal use earn on the used share
(`utilization`) of the capacity left after reservations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gigawatt.econ.inputs import FinanceInputError, FinanceInputs
from gigawatt.plan.buildout import Buildout
from gigawatt.plan.calendar import hours_in_month, months_between

FloatArray = NDArray[np.float64]


@dataclass
class RevenueStreams:
    """Monthly revenue (USD) by stream, and what could not be delivered."""

    reserved: FloatArray
    on_demand: FloatArray
    internal: FloatArray
    customers: FloatArray
    market_price_per_h100e_hour: FloatArray
    shortfalls: list[str] = field(default_factory=list)  # reserved hours the fleet lacked

    @property
    def total(self) -> FloatArray:
        """All revenue, USD per month."""
        return self.reserved + self.on_demand + self.internal + self.customers


def price_path(
    inputs: FinanceInputs, months: list[dt.date], accelerator: str | None = None
) -> FloatArray:
    """The multiplier of reference-month prices in each month: level x (1 - decline)^years,
    with the accelerator's own decline when the scenario gives one."""
    years = np.array(
        [months_between(inputs.price_reference_month, m) / 12.0 for m in months], dtype=float
    )
    decline = inputs.price_decline_by_accelerator.get(
        accelerator or "", inputs.price_decline_per_year
    )
    return inputs.price_level_factor * (1.0 - decline) ** years


def reference_price(
    inputs: FinanceInputs, accelerator: str, h100e_per_unit: float
) -> tuple[float, str]:
    """The price of one hour of `accelerator` at the reference month (before the sweep's
    price level factor), USD, and where it comes from: the scenario's own price; else a
    sourced market price (`market_price_per_accelerator_hour_usd`, moved from its own month
    to the reference month along the accelerator's price decline); else the H100-hour price
    times its H100-equivalents."""
    if accelerator in inputs.price_per_accelerator_hour_usd:
        return inputs.price_per_accelerator_hour_usd[accelerator], "scenario"
    if accelerator in inputs.market_prices:
        value, month, source = inputs.market_prices[accelerator]
        decline = inputs.price_decline_by_accelerator.get(
            accelerator, inputs.price_decline_per_year
        )
        years = months_between(month, inputs.price_reference_month) / 12.0
        return value * (1.0 - decline) ** years, (
            f"${value:,.2f} in {month:%Y-%m} (default: {source})"
        )
    h100 = inputs.price_per_h100e_hour_usd
    return h100 * h100e_per_unit, (
        f"{h100e_per_unit:.2f} H100-equivalents x ${h100:,.2f} per H100-hour "
        f"({inputs.sources.get('price_per_h100e_hour_usd', 'scenario')})"
    )


def reference_prices(buildout: Buildout, inputs: FinanceInputs) -> dict[str, dict[str, object]]:
    """Per accelerator in the plan: its price an hour at the reference month and its basis
    (`reference_price`), JSON-ready, for the summary's statement of prices."""
    per_unit: dict[str, float] = {}
    for row in buildout.timeline:
        if row.accelerators > 0:
            per_unit[row.accelerator] = row.h100e / row.accelerators
    out: dict[str, dict[str, object]] = {}
    for acc in sorted(per_unit):
        price, basis = reference_price(inputs, acc, per_unit[acc])
        out[acc] = {
            "usd_per_hour": price,
            "reference_month": inputs.price_reference_month.strftime("%Y-%m"),
            "decline_per_year": inputs.price_decline_by_accelerator.get(
                acc, inputs.price_decline_per_year
            ),
            "basis": basis,
        }
    return out


def fleet_revenue(
    buildout: Buildout, inputs: FinanceInputs, valuation_month: dt.date | None = None
) -> RevenueStreams:
    """Revenue streams of `buildout` (owned and contracted capacity alike) under `inputs`.
    Raises `FinanceInputError` when a reserved contract names an accelerator the fleet never
    has."""
    months = buildout.months
    n = len(months)
    start = months[0]
    path = price_path(inputs, months)
    hours = np.array([hours_in_month(m) for m in months])
    capacity: dict[str, FloatArray] = defaultdict(lambda: np.zeros(n))
    h100e_per_unit: dict[str, float] = {}
    month_index = {m: k for k, m in enumerate(months)}
    for row in buildout.timeline:
        if row.accelerators <= 0:
            continue
        capacity[row.accelerator][month_index[row.month]] += row.accelerators
        h100e_per_unit[row.accelerator] = row.h100e / row.accelerators
    base_price = {acc: reference_price(inputs, acc, h100e_per_unit[acc])[0] for acc in capacity}

    remaining = {acc: cap.copy() for acc, cap in capacity.items()}
    reserved = np.zeros(n)
    shortfalls: list[str] = []
    for contract in inputs.reserved:
        if contract.accelerator is not None and contract.accelerator not in capacity:
            raise FinanceInputError(
                f"reserved contract of {contract.tenant!r} asks for {contract.accelerator}, "
                f"which the fleet never has (it has {', '.join(sorted(capacity)) or 'nothing'})"
            )
        first = months_between(start, contract.start)
        short_months = 0
        for k in range(max(0, first), min(n, first + contract.term_months)):
            want = float(contract.accelerators)
            pools = [contract.accelerator] if contract.accelerator else sorted(remaining)
            served = 0.0
            for acc in pools:
                take = min(want - served, remaining[acc][k])
                remaining[acc][k] -= take
                served += take
            if served < want:
                short_months += 1
            reserved[k] += served * hours[k] * contract.price_per_accelerator_hour_usd
        if short_months:
            shortfalls.append(
                f"reserved contract of {contract.tenant!r}: the fleet lacks the "
                f"{contract.accelerators:,} accelerators in {short_months} of its months"
            )

    on_demand = np.zeros(n)
    internal = np.zeros(n)
    used_share = inputs.utilization
    internal_price = 1.0 - inputs.transfer_price_discount
    for acc, free in remaining.items():
        own_path = (
            price_path(inputs, months, acc) if acc in inputs.price_decline_by_accelerator else path
        )
        value = free * used_share * hours * base_price[acc] * own_path
        on_demand += value * inputs.on_demand_share
        if inputs.internal_use == "transfer_price":
            internal += value * (1.0 - inputs.on_demand_share) * internal_price

    customers = np.zeros(n)
    if inputs.internal_use == "customers":
        origin = valuation_month or start
        for tier in inputs.customers:
            tier_start = tier.start or origin
            growth = max(0.01, 1.0 + (tier.growth_per_year - 1.0) * inputs.demand_growth_factor)
            for k, month in enumerate(months):
                years = months_between(tier_start, month) / 12.0
                if years < 0:
                    continue
                customers[k] += (
                    tier.customers
                    * tier.annual_spend_usd
                    / 12.0
                    * growth ** min(years, tier.growth_years)
                )
    h100_price = inputs.price_per_h100e_hour_usd * path
    return RevenueStreams(reserved, on_demand, internal, customers, h100_price, shortfalls)
