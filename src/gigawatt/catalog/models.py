"""Typed catalog entries. Every number carries the publication it came from and a date.

The catalog files live in the repository's ``data/`` folder (and are shipped inside the
package as ``gigawatt/catalog/data``); they are validated once, at load time, into these
frozen models. Code reads ``entry.field.value``; reports can cite ``entry.field.source``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CatalogId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
SourceDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]


class StrictModel(BaseModel):
    """Frozen, and unknown keys are errors (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(StrictModel):
    """One number with its provenance."""

    value: float = Field(description="The number, in the unit the field name gives.")
    source: str = Field(min_length=3, description="Publication (and URL where there is one).")
    date: SourceDate = Field(
        description="When the source published it: YYYY, YYYY-MM or YYYY-MM-DD."
    )
    note: str | None = Field(
        default=None, description="How the value was derived, if not verbatim."
    )
    low: float | None = Field(
        default=None, description="Low end of the published range, where one is given."
    )
    high: float | None = Field(
        default=None, description="High end of the published range, where one is given."
    )


class Accelerator(StrictModel):
    """An accelerator as it is deployed: one chip plus its share of host, network and rack."""

    id: CatalogId
    name: str
    vendor: str
    form_factor: str = Field(description="How it ships, e.g. 'HGX 8-GPU server', 'NVL72 rack'.")
    available_from: SourceDate = Field(description="First volume deliveries (YYYY-MM).")
    epoch_names: list[str] = Field(
        default_factory=list,
        description="The names Epoch AI's Frontier Data Centers Hub uses for this chip "
        "(`gigawatt validate epoch` maps its chip types through them).",
    )
    chip_tdp_w: Sourced = Field(description="Chip thermal design power, watts.")
    it_power_w: Sourced = Field(
        description="All-in IT power per accelerator incl. host CPUs, memory, NICs, switches, watts."
    )
    bf16_tflops: Sourced = Field(description="Dense BF16 TFLOP/s per accelerator.")
    fp8_tflops: Sourced = Field(description="Dense FP8 (or INT8 where no FP8) TFLOP/s.")
    hbm_gb: Sourced = Field(description="High-bandwidth memory per accelerator, GB.")
    scale_up_domain: Sourced = Field(
        description="Accelerators in one scale-up domain (NVLink / ICI / NeuronLink)."
    )
    price_usd: Sourced = Field(
        description="Installed IT hardware cost per accelerator incl. its server share, "
        "excluding the scale-out network (see cost factor network_share_of_it)."
    )


class Region(StrictModel):
    """A grid region (a US state here): prices and climate-driven efficiency."""

    id: CatalogId
    name: str
    electricity_usd_per_mwh: Sourced = Field(description="Industrial electricity price, $/MWh.")
    pue: Sourced = Field(description="Typical PUE of a new AI facility in the region.")
    land_usd_per_acre: Sourced = Field(description="Data-center land price, $/acre.")
    construction_cost_factor: Sourced = Field(
        description="Facility construction cost relative to the US average (1.0 = average)."
    )


class CostFactors(StrictModel):
    """Program-wide cost, labour and lead-time factors."""

    facility_usd_per_mw_it: Sourced = Field(
        description="Facility construction (shell + electrical + mechanical), $ per MW of IT."
    )
    share_shell: Sourced = Field(description="Share of facility cost in shell, site work, offices.")
    share_electrical: Sourced = Field(description="Share of facility cost in electrical plant.")
    share_mechanical: Sourced = Field(description="Share of facility cost in mechanical/cooling.")
    network_share_of_it: Sourced = Field(
        description="Scale-out network capex as a fraction of accelerator (server) capex."
    )
    construction_months: Sourced = Field(
        description="Groundbreak to live load for one building/phase, months."
    )
    it_install_months: Sourced = Field(
        description="IT hardware is paid for and installed this many months before online."
    )
    facility_mw_per_acre: Sourced = Field(description="Facility MW a campus acre can hold.")
    permanent_jobs_per_site: Sourced = Field(
        description="Permanent jobs every site needs whatever its size (security, facilities, "
        "on-site IT operations), on top of `permanent_jobs_per_gw`."
    )
    permanent_jobs_per_gw: Sourced = Field(
        description="Permanent jobs per GW of facility power, on top of the per-site staff."
    )
    construction_workers_per_gw: Sourced = Field(
        description="Peak construction workers per GW of facility power being built."
    )
    transformer_lead_weeks: Sourced = Field(description="Large power transformer lead time.")
    switchgear_lead_weeks: Sourced = Field(description="Medium-voltage switchgear lead time.")
    turbine_lead_months: Sourced = Field(description="Gas turbine delivery for a new order.")
    transformers_per_gw: Sourced = Field(description="Large power transformers needed per GW.")


class SupplyYear(StrictModel):
    """National (US) deliverable supply in one calendar year."""

    year: int
    large_transformers: Sourced = Field(description="Large power transformers delivered (units).")
    gas_turbines_gw: Sourced = Field(description="Gas turbine capacity deliverable, GW.")
    grid_interconnection_gw: Sourced = Field(description="Large-load grid connections, GW.")
    accelerators_shipped: Sourced = Field(description="Data-center accelerators shipped (units).")


class Catalog(StrictModel):
    """Everything the planner looks up, keyed by id."""

    accelerators: dict[str, Accelerator]
    regions: dict[str, Region]
    cost: CostFactors
    supply: dict[int, SupplyYear]
