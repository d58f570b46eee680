"""The scenario file, as frozen pydantic models. Field descriptions are the YAML reference.

A scenario is one YAML file: a ``program`` (when, how long, how much money), the ``sites``
that are built (each with power, land and phases of IT capacity), ``contracts`` for compute
that is leased or rented rather than built, and optional ``catalog_overrides``.

`docs/scenario-reference.md` is generated from these models (``make docs``). The ``tenants:``,
``finance:`` and ``uncertainty:`` sections are models of their own modules, `tenants` and
`finance`, below this one.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gigawatt.catalog.models import CatalogId
from gigawatt.scenario.finance import FinanceSettings, UncertaintySettings
from gigawatt.scenario.months import Month
from gigawatt.scenario.tenants import Tenant

SiteId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
PositiveMW = Annotated[float, Field(gt=0, le=100_000)]
NonNegativeMW = Annotated[float, Field(ge=0, le=100_000)]


def _number_types(annotation: Any) -> bool:
    """True for ``int``, ``float`` and their optional forms."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return annotation in (int, float) or any(o in (int, float) for o in options)


class StrictModel(BaseModel):
    """Frozen; unknown keys are errors, so a typo never passes silently; no inf or nan."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_not_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        # YAML reads yes/no/on/off/true/false as booleans and pydantic would take them as 1
        # and 0 for a number field: `it_mw: yes` must be an error, not a 1 MW phase.
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if _number_types(annotation):
                raise ValueError(f"expected a number, got a boolean ({str(value).lower()})")
        return value


class Announced(StrictModel):
    """What the program's owners announced, for the plan to be set against (gigawatt run and
    gigawatt plan say where the plan differs and why)."""

    permanent_jobs: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Permanent jobs announced."
    )
    construction_jobs: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Construction jobs announced."
    )
    source: str = Field(min_length=3, description="Where it was announced (title, date, URL).")


class Program(StrictModel):
    """The investment program as a whole."""

    name: str = Field(min_length=1, description="Human-readable name of the program.")
    start: Month = Field(description="First month of the plan (YYYY-MM); month 0 of the timeline.")
    horizon_months: int = Field(
        gt=0, le=600, description="Number of months the timeline covers, from `start`."
    )
    budget_usd: float = Field(gt=0, description="Capital budget of the program, nominal USD.")
    budget_includes_accelerators: bool = Field(
        default=True,
        description="True if `budget_usd` also pays for IT hardware (accelerators, servers, "
        "network); False if it covers land and facilities only (IT bought by someone else).",
    )
    budget_includes_contracts: bool = Field(
        default=False,
        description="True if `budget_usd` also pays for contracted capacity (cloud hours, "
        "colocation fees) within the horizon, as a total cost of ownership does; False if the "
        "contracts are paid from elsewhere.",
    )
    announced: Announced | None = Field(
        default=None, description="What the owners announced (jobs), with the source."
    )
    average_it_load: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Average IT power drawn as a share of IT nameplate, for energy use. "
        "Default 0.8: measured DGX H100 training draw 7.3 kW of 10.2 kW nameplate "
        "(Newkirk et al. 2025 configuration), rounded up for always-busy training fleets.",
    )


class Grid(StrictModel):
    """The site's utility connection."""

    power_mw: NonNegativeMW = Field(description="Firm grid import capacity, MW.")
    interconnect: Month = Field(description="Month the grid connection is energized (YYYY-MM).")


class OnsiteGeneration(StrictModel):
    """Power produced on site (behind the meter)."""

    kind: Literal[
        "gas_turbine", "reciprocating_engine", "fuel_cell", "battery", "solar", "other"
    ] = Field(default="gas_turbine", description="Technology; gas turbines have long lead times.")
    power_mw: PositiveMW = Field(description="Firm capacity available to the facility, MW.")
    online: Month = Field(description="Month it can carry load (YYYY-MM).")
    ordered: Month | None = Field(
        default=None, description="Month the equipment was ordered; checked against lead times."
    )


class Phase(StrictModel):
    """A tranche of IT capacity brought online together (a building or a hall)."""

    name: str = Field(min_length=1, description="Name, unique within the site.")
    online: Month = Field(description="Target month the phase carries IT load (YYYY-MM).")
    it_mw: PositiveMW = Field(description="Critical IT power of the phase, MW.")
    accelerator: CatalogId = Field(
        description="Accelerator id from the catalog (e.g. gb200-nvl72)."
    )
    construction_start: Month | None = Field(
        default=None,
        description="Groundbreaking month. Default: `online` minus the catalog's construction "
        "duration.",
    )


class Site(StrictModel):
    """A campus that the program builds and owns."""

    id: SiteId = Field(description="Short id used in outputs and the API (e.g. tx-1).")
    name: str = Field(min_length=1, description="Human-readable name.")
    region: CatalogId = Field(description="Region id from the catalog (e.g. tx, ny).")
    land_acres: float = Field(gt=0, le=1_000_000, description="Land area of the campus, acres.")
    grid: Grid = Field(description="The utility connection.")
    onsite_generation: list[OnsiteGeneration] = Field(
        default_factory=list, description="Behind-the-meter generation, if any."
    )
    pue: float | None = Field(
        default=None,
        ge=1.0,
        le=3.0,
        description="Power usage effectiveness (facility / IT power). Default: the region's.",
    )
    land_purchased: Month | None = Field(
        default=None, description="Month the land is bought. Default: first construction start."
    )
    equipment_ordered: Month | None = Field(
        default=None,
        description="Month long-lead electrical equipment (transformers, switchgear) was "
        "ordered. Default: first construction start.",
    )
    phases: list[Phase] = Field(min_length=1, description="Phases in order of online date.")


class RampPoint(StrictModel):
    """From `month` on, the contract provides `accelerators` (until the next point)."""

    month: Month = Field(description="First month of this step (YYYY-MM).")
    accelerators: int = Field(
        ge=0, le=100_000_000, description="Accelerators the contract provides from `month` on."
    )


class CapacityContract(StrictModel):
    """Compute leased or rented rather than built: a cloud or colocation deal."""

    id: SiteId = Field(description="Short id used in outputs.")
    provider: str = Field(min_length=1, description="Who provides the capacity.")
    kind: Literal["cloud", "colocation"] = Field(
        description="cloud: provider runs the hardware, priced per accelerator-hour; "
        "colocation: tenant's own hardware in leased space, priced per kW-month."
    )
    accelerator: CatalogId = Field(description="Accelerator id from the catalog.")
    region: CatalogId | None = Field(
        default=None, description="Region, if known (for energy in colocation)."
    )
    ramp: list[RampPoint] = Field(
        min_length=1, description="Accelerator count by month, in increasing month order."
    )
    price_per_accelerator_hour_usd: float | None = Field(
        default=None, gt=0, le=1000, description="Cloud price, USD per accelerator-hour."
    )
    price_per_kw_month_usd: float | None = Field(
        default=None, gt=0, le=10_000, description="Colocation price, USD per kW of IT per month."
    )
    term_months: int = Field(
        gt=0, le=600, description="Length of the contract from its first ramp month."
    )

    @model_validator(mode="after")
    def _one_price(self) -> CapacityContract:
        hourly = self.price_per_accelerator_hour_usd is not None
        per_kw = self.price_per_kw_month_usd is not None
        if hourly == per_kw:
            raise ValueError(
                "expected exactly one price: price_per_accelerator_hour_usd (cloud) or "
                f"price_per_kw_month_usd (colocation); got {'both' if hourly else 'neither'}"
            )
        return self


class CatalogOverrides(StrictModel):
    """Changes to the bundled catalog for this scenario. Values keep the catalog's form:
    ``{value: ..., source: ..., date: ...}``. New ids add entries (all fields required)."""

    accelerators: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="By accelerator id: fields to replace (e.g. `price_usd`), or a whole new "
        "accelerator.",
    )
    regions: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="By region id: fields to replace (e.g. `electricity_usd_per_mwh`), or a "
        "whole new region.",
    )
    cost: dict[str, Any] = Field(
        default_factory=dict,
        description="Cost factors to replace (e.g. `facility_usd_per_mw_it`).",
    )


class Scenario(StrictModel):
    """A whole scenario file."""

    program: Program = Field(description="When, how long, and how much money.")
    sites: list[Site] = Field(default_factory=list, description="Campuses built and owned.")
    contracts: list[CapacityContract] = Field(
        default_factory=list, description="Capacity leased or rented from others."
    )
    catalog_overrides: CatalogOverrides = Field(
        default_factory=CatalogOverrides,
        description="Changes to the bundled catalog for this scenario only.",
    )
    tenants: list[Tenant] = Field(
        default_factory=list,
        description="Who uses the fleet (gigawatt simulate); empty: the default training / "
        "inference / research mix (docs/simulate.md).",
    )
    finance: FinanceSettings = Field(
        default_factory=FinanceSettings,
        description="Costs, financing, incentives and revenue (docs/finance.md).",
    )
    uncertainty: UncertaintySettings = Field(
        default_factory=UncertaintySettings,
        description="Uncertain inputs for gigawatt sweep (docs/sweep.md).",
    )
