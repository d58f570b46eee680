"""Finance: a plan (and simulated fleet) turned into money. Pure core: values in, values out.

Entry point: `gigawatt.econ.financials.finance_buildout` (Buildout + FinanceSettings + sourced
defaults -> `Financials`: costs, revenue, cash flow, verdict).

The ``finance:`` and ``uncertainty:`` sections it reads are scenario models
(`gigawatt.scenario.finance`), below this package: econ imports them, never the other way.
"""
