"""What a sweep says: distributions of NPV, IRR, cost and the payback milestones
(`gigawatt.econ.payback`: "never" counts in their quantiles), and which input matters most
(tornado: each input alone at its 10th and 90th percentile, the others at their medians;
and the Spearman rank correlation of each input with NPV over all samples)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from gigawatt.econ.payback import QUANTILES, TERMS, milestone_distribution
from gigawatt.sweep.evaluate import milestone_column

FloatArray = NDArray[np.float64]


def _quantiles(values: FloatArray) -> dict[str, float | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        empty: dict[str, float | None] = {f"p{round(q * 100)}": None for q in QUANTILES}
        empty["mean"] = None
        return empty
    out: dict[str, float | None] = {
        f"p{round(q * 100)}": float(np.quantile(finite, q)) for q in QUANTILES
    }
    out["mean"] = float(finite.mean())
    return out


def spearman(inputs: FloatArray, output: FloatArray, names: list[str]) -> dict[str, float | None]:
    """Rank correlation of each input with `output` (finite outputs only)."""
    mask = np.isfinite(output)
    out: dict[str, float | None] = {}
    for j, name in enumerate(names):
        column = inputs[mask, j]
        if column.size < 3 or np.ptp(column) == 0:
            out[name] = None
            continue
        rho = stats.spearmanr(column, output[mask]).statistic
        out[name] = None if math.isnan(rho) else float(rho)
    return out


def tornado(
    base_npv: float, swings: dict[str, tuple[float, float, float, float]]
) -> list[dict[str, float | str]]:
    """Inputs sorted by NPV swing: name -> (low value, high value, NPV at low, NPV at high)."""
    rows: list[dict[str, float | str]] = [
        {
            "input": name,
            "low_value": lo,
            "high_value": hi,
            "npv_at_low_usd": npv_lo,
            "npv_at_high_usd": npv_hi,
            "swing_usd": abs(npv_hi - npv_lo),
        }
        for name, (lo, hi, npv_lo, npv_hi) in swings.items()
    ]
    rows.sort(key=lambda r: -float(r["swing_usd"]))
    for r in rows:
        r["base_npv_usd"] = base_npv
    return rows


def summarize_sweep(
    names: list[str],
    inputs: FloatArray,
    results: list[dict[str, float]],
    start: dt.date,
    tornado_rows: list[dict[str, float | str]],
    horizon_months: int | None = None,
) -> dict[str, Any]:
    """JSON-ready sweep summary: quantiles of NPV, IRR and cost; per payback milestone its
    distribution (`milestone_distribution`); the tornado and rank correlations."""
    npv = np.array([r["npv_usd"] for r in results], dtype=float)
    cost = np.array([r["cost_per_accelerator_hour_usd"] for r in results], dtype=float)
    irr = np.array([r["irr"] for r in results], dtype=float)
    milestones = {
        term.key: milestone_distribution(
            np.array([r[milestone_column(term)] for r in results], dtype=float),
            start,
            horizon_months,
        )
        for term in TERMS
    }
    return {
        "samples": len(results),
        "npv_usd": _quantiles(npv),
        "probability_npv_positive": float((npv > 0).mean()) if len(npv) else None,
        "irr": _quantiles(irr),
        "cost_per_accelerator_hour_usd": _quantiles(cost),
        "milestones": milestones,
        "tornado_npv": tornado_rows,
        "spearman_with_npv": spearman(inputs, npv, names),
    }
