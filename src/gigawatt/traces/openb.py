"""Alibaba GPU cluster trace v2023, "openb" (1,523 nodes, 8,152 pods, workload variants).

Source: github.com/alibaba/clusterdata (cluster-trace-gpu-v2023) as redistributed with the FGD
paper's simulator, github.com/hkust-adsl/kubernetes-scheduler-simulator (Apache-2.0).
We read the CSVs the way that simulator's ``data/pod_csv_to_yaml.py`` turns them into pods, so our
pods request exactly what the artifact's pods request:

- CPU and memory as integers (``"%dm"``, ``"%dMi"``);
- a pod with ``num_gpu`` 0 asks for no GPU (its ``gpu_milli`` is ignored); otherwise ``gpu_milli``
  is the per-GPU share, capped to 1000;
- ``gpu_spec`` lists allowed models separated by "|", empty parts dropped ("" means any model).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from gigawatt.fgd.nodes import MILLI_PER_GPU, NodeSpecs
from gigawatt.fgd.pods import ANY_GPU_SPEC, PodSpecs
from gigawatt.traces.reader import Trace, TraceError, TraceInfo, register_trace, traces_dir

GPU_NODE_LIST = "openb_node_list_gpu_node.csv"
ALL_NODE_LIST = "openb_node_list_all_node.csv"
POD_LIST_PREFIX = "openb_pod_list_"


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise TraceError(f"trace file not found: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _int(row: dict[str, str], column: str, path: Path, line: int) -> int:
    try:
        return int(float(row[column]))
    except (KeyError, ValueError):
        raise TraceError(
            f"{path}:{line}: column {column!r} must be a number, got {row.get(column)!r}"
        ) from None


def read_openb_nodes(path: Path) -> NodeSpecs:
    """Nodes of an openb node list: CPU milli, memory MiB, GPU count and model (sn order kept)."""
    rows = _rows(path)
    models = sorted({row["model"] for row in rows if row.get("model")})
    model_index = {m: i for i, m in enumerate(models)}
    gpu_model = [model_index.get(row.get("model", ""), -1) for row in rows]
    return NodeSpecs(
        names=tuple(row["sn"] for row in rows),
        cpu_milli=np.array(
            [_int(r, "cpu_milli", path, i + 2) for i, r in enumerate(rows)], dtype=np.int64
        ),
        memory_mib=np.array(
            [_int(r, "memory_mib", path, i + 2) for i, r in enumerate(rows)], dtype=np.int64
        ),
        gpu_count=np.array(
            [_int(r, "gpu", path, i + 2) for i, r in enumerate(rows)], dtype=np.int64
        ),
        gpu_model=np.array(gpu_model, dtype=np.int64),
        gpu_models=tuple(models),
    )


def read_openb_pods(path: Path) -> PodSpecs:
    """Pods of an openb pod list, with the artifact's request semantics (see module docstring)."""
    rows = _rows(path)
    specs: dict[str, int] = {ANY_GPU_SPEC: 0}
    cpu, memory, num_gpu, gpu_milli, gpu_spec = [], [], [], [], []
    for i, row in enumerate(rows):
        line = i + 2
        gpus = _int(row, "num_gpu", path, line)
        milli = _int(row, "gpu_milli", path, line) if gpus else 0
        milli = min(max(milli, 0), MILLI_PER_GPU)
        if gpus and milli == 0:
            raise TraceError(f"{path}:{line}: pod asks for {gpus} GPU(s) with gpu_milli 0")
        spec = (
            "|".join(part for part in (row.get("gpu_spec") or "").split("|") if part)
            if gpus
            else ""
        )
        cpu.append(_int(row, "cpu_milli", path, line))
        memory.append(_int(row, "memory_mib", path, line))
        num_gpu.append(gpus)
        gpu_milli.append(milli)
        gpu_spec.append(specs.setdefault(spec, len(specs)))
    return PodSpecs(
        names=tuple(row["name"] for row in rows),
        cpu_milli=np.array(cpu, dtype=np.int64),
        memory_mib=np.array(memory, dtype=np.int64),
        num_gpu=np.array(num_gpu, dtype=np.int64),
        gpu_milli=np.array(gpu_milli, dtype=np.int64),
        gpu_spec=np.array(gpu_spec, dtype=np.int64),
        gpu_specs=tuple(specs),
    )


class OpenbReader:
    """``--trace openb``: the 1,213 GPU nodes and one pod-list variant (``--workload``)."""

    name = "openb"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or traces_dir() / "openb"

    def workloads(self) -> tuple[str, ...]:
        """Variants present on disk: ``default``, ``cpu050``, ``gpushare40``, ``multigpu50``..."""
        names = [
            p.stem.removeprefix(POD_LIST_PREFIX)
            for p in self.folder.glob(f"{POD_LIST_PREFIX}*.csv")
        ]
        return tuple(sorted(names, key=lambda n: (n != "default", n)))

    def pod_list_path(self, workload: str) -> Path:
        path = self.folder / f"{POD_LIST_PREFIX}{workload}.csv"
        if not path.is_file():
            known = ", ".join(self.workloads())
            raise TraceError(f"openb has no workload {workload!r} (known: {known})")
        return path

    def load(self, workload: str = "default") -> Trace:
        return Trace(
            trace=self.name,
            workload=workload,
            nodes=read_openb_nodes(self.folder / GPU_NODE_LIST),
            pods=read_openb_pods(self.pod_list_path(workload)),
        )

    def info(self) -> TraceInfo:
        nodes = read_openb_nodes(self.folder / GPU_NODE_LIST)
        all_nodes = (
            _rows(self.folder / ALL_NODE_LIST) if (self.folder / ALL_NODE_LIST).is_file() else []
        )
        default = read_openb_pods(self.pod_list_path("default"))
        models = ", ".join(
            f"{m} x{int(((nodes.gpu_model == i) * nodes.gpu_count).sum())}"
            for i, m in enumerate(nodes.gpu_models)
        )
        return TraceInfo(
            name=self.name,
            title="Alibaba GPU cluster trace v2023 (openb)",
            source="github.com/alibaba/clusterdata cluster-trace-gpu-v2023, via "
            "github.com/hkust-adsl/kubernetes-scheduler-simulator data/",
            license="Apache-2.0 (LICENSE-Apache-2.0 beside the files)",
            folder=self.folder,
            workloads=self.workloads(),
            facts={
                "nodes (all / with GPUs)": f"{len(all_nodes) or '?'} / {nodes.count}",
                "GPUs": f"{nodes.total_gpus:,}",
                "GPU models": models,
                "pods (default workload)": f"{default.count:,}",
                "GPU requested by default pods": f"{int(default.total_gpu_milli().sum()) / 1000:,.1f} GPUs",
            },
        )


@register_trace("openb")
def _openb() -> OpenbReader:
    return OpenbReader()
