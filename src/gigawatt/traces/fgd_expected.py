"""The FGD paper artifact's expected curves (``data/traces/fgd_expected``), for comparison.

Weng et al., "Beware of Fragmentation", USENIX ATC'23; artifact github.com/hkust-adsl/
kubernetes-scheduler-simulator, ``experiments/analysis/expected_results``: per workload, policy
and seed (42..51, tune 1.3), the allocation ratio, fragmentation amount and fragmentation ratio at
arrived GPU load 0..130% of the cluster.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gigawatt.traces.reader import TraceError, traces_dir

FILES = {
    "allocation": "analysis_allo_discrete.csv",
    "frag_amount": "analysis_frag_discrete.csv",
    "frag_ratio": "analysis_frag_ratio_discrete.csv",
}
#: Our policy names -> the artifact's labels.
ARTIFACT_LABELS = {
    "random": "01-Random",
    "dotprod": "02-DotProd",
    "gpu-clustering": "03-GpuClustering",
    "gpu-packing": "04-GpuPacking",
    "bestfit": "05-BestFit",
    "fgd": "06-FGD",
}


@dataclass(frozen=True)
class ExpectedCurves:
    """One artifact run's curves, indexed by arrived percent 0..130 (NaN where absent)."""

    allocation: NDArray[np.float64]
    frag_amount: NDArray[np.float64]
    frag_ratio: NDArray[np.float64]


@cache
def _read(path: Path) -> dict[tuple[str, str, int], NDArray[np.float64]]:
    out: dict[tuple[str, str, int], NDArray[np.float64]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values = [float(row[str(p)]) if row.get(str(p)) else np.nan for p in range(131)]
            out[(row["workload"], row["sc_policy"], int(row["seed"]))] = np.array(values)
    return out


def expected_curves(
    workload: str, policy: str, seed: int, folder: Path | None = None
) -> ExpectedCurves | None:
    """The artifact's curves for an openb ``workload`` ("default", "cpu050"...), our ``policy``
    name and ``seed``; None when the artifact did not publish that combination."""
    base = folder or traces_dir() / "fgd_expected"
    label = ARTIFACT_LABELS.get(policy)
    if label is None:
        return None
    key = (f"openb_pod_list_{workload}", label, seed)
    try:
        tables = {name: _read(base / file) for name, file in FILES.items()}
    except FileNotFoundError as exc:
        raise TraceError(f"FGD expected results not found: {exc.filename}") from None
    if key not in tables["allocation"]:
        return None
    return ExpectedCurves(
        tables["allocation"][key], tables["frag_amount"][key], tables["frag_ratio"][key]
    )


def expected_workloads(folder: Path | None = None) -> tuple[str, ...]:
    """openb workloads the artifact published expected results for."""
    base = folder or traces_dir() / "fgd_expected"
    keys = _read(base / FILES["allocation"])
    return tuple(
        sorted(
            {w.removeprefix("openb_pod_list_") for w, _, _ in keys},
            key=lambda w: (w != "default", w),
        )
    )
