"""Finance: a plan (and simulated fleet) turned into money. Pure core: values in, values out.

`finance_buildout` is the entry point: Buildout + FinanceSettings + sourced defaults ->
`Financials` (costs, revenue, cash flow, verdict)."""

from gigawatt.econ.defaults import FinanceDefaults, load_finance_defaults
from gigawatt.econ.financials import (
    Financials,
    compute_financials,
    finance_buildout,
    incentive_effects,
    summarize_financials,
)
from gigawatt.econ.inputs import FinanceInputError, FinanceInputs, resolve_inputs
from gigawatt.econ.settings import FinanceSettings, UncertaintySettings

__all__ = [
    "FinanceDefaults",
    "FinanceInputError",
    "FinanceInputs",
    "FinanceSettings",
    "Financials",
    "UncertaintySettings",
    "compute_financials",
    "finance_buildout",
    "incentive_effects",
    "load_finance_defaults",
    "resolve_inputs",
    "summarize_financials",
]
