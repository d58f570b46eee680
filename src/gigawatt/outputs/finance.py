"""A plan financed, as files: ``finance.json`` (the summary with every input and its
source), ``finance_monthly.csv`` (monthly P&L and cash) and ``cost_by_site.csv`` (cost per
accelerator-hour per site or contract and month); written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gigawatt.econ.financials import Financials, monthly_rows, site_month_rows
from gigawatt.outputs.files import write_csv_atomic, write_json_atomic

#: The files `write_finance_outputs` writes, in order.
FINANCE_FILES = ("finance.json", "finance_monthly.csv", "cost_by_site.csv")


def write_finance_outputs(folder: Path, fin: Financials, summary: dict[str, Any]) -> list[Path]:
    """finance.json, finance_monthly.csv, cost_by_site.csv in ``folder``; returns their paths."""
    write_json_atomic(folder / "finance.json", summary)
    rows = monthly_rows(fin)
    write_csv_atomic(
        folder / "finance_monthly.csv", list(rows[0]), ([r[k] for k in rows[0]] for r in rows)
    )
    sites = site_month_rows(fin)
    header = list(sites[0]) if sites else ["month", "source_id"]
    write_csv_atomic(folder / "cost_by_site.csv", header, ([r[k] for k in header] for r in sites))
    return [folder / name for name in FINANCE_FILES]
