"""Finance: a plan (and simulated fleet) turned into money. Pure core: values in, values out.

Entry point: `gigawatt.econ.financials.finance_buildout` (Buildout + FinanceSettings + sourced
defaults -> `Financials`: costs, revenue, cash flow, verdict).

This package's ``__init__`` imports nothing: `gigawatt.scenario.models` imports
`gigawatt.econ.settings` for the ``finance:`` and ``uncertainty:`` sections, and the rest of
econ imports the planner, which imports the scenario models.
"""
