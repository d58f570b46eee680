"""Azure LLM inference trace 2023 (``--trace azure-llm-2023``): an inference demand shape.

Source: github.com/Azure/AzurePublicDataset ``AzureLLMInferenceDataset2023`` (CC BY 4.0),
released with Patel et al., "Splitwise: Efficient Generative LLM Inference Using Phase
Splitting", ISCA'24. Two services, one CSV each (``code``, ``conv``): one row per request,
``TIMESTAMP`` (UTC), ``ContextTokens`` (prompt), ``GeneratedTokens`` (output). Each file spans
about one hour (2023-11-16 18:15-19:14 UTC), so the trace gives the minute-scale shape of
request arrivals and the token mix, not a daily curve.

How tokens map to accelerator load (ASSUMED, first order): an accelerator serves a fixed
number of tokens per second, so the load of a bin is proportional to the tokens it processes,
``ContextTokens + generated_weight x GeneratedTokens``. Splitwise shows prefill (prompt tokens)
is compute-bound and batches well while decode (generated tokens) is memory-bound and costs
more per token; ``generated_weight`` (default 1) lets a user weigh decode tokens more.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gigawatt.traces.reader import Trace, TraceError, TraceInfo, register_trace, traces_dir
from gigawatt.workload.generators import RateShape

SERVICES = {"code": "AzureLLMInferenceTrace_code.csv", "conv": "AzureLLMInferenceTrace_conv.csv"}
COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


@dataclass(frozen=True)
class LLMRequests:
    """One service's requests: seconds from its first request, prompt and output tokens."""

    service: str
    start: dt.datetime  # UTC of the first request
    arrival_s: np.ndarray
    context_tokens: np.ndarray
    generated_tokens: np.ndarray

    @property
    def count(self) -> int:
        return len(self.arrival_s)

    @property
    def span_s(self) -> float:
        return float(self.arrival_s[-1]) if self.count else 0.0

    def shape(self, bin_s: float = 60.0, generated_weight: float = 1.0) -> RateShape:
        """Relative accelerator load per ``bin_s`` bin over the trace (mean 1): tokens
        processed per bin (see the module's assumption); the last partial bin is dropped."""
        bins = int(self.span_s // bin_s)
        if bins < 1:
            raise TraceError(f"azure {self.service}: trace shorter than one {bin_s:g} s bin")
        load = self.context_tokens + generated_weight * self.generated_tokens
        index = (self.arrival_s // bin_s).astype(np.int64)
        keep = index < bins
        per_bin = np.bincount(index[keep], weights=load[keep], minlength=bins)
        return RateShape(
            bin_s,
            per_bin.astype(np.float64),
            source=f"azure-llm-2023 {self.service}, {bin_s:g} s bins",
        )

    def requests_per_bin(self, bin_s: float = 60.0) -> np.ndarray:
        """Requests arriving in each whole ``bin_s`` bin."""
        bins = int(self.span_s // bin_s)
        index = (self.arrival_s // bin_s).astype(np.int64)
        return np.bincount(index[index < bins], minlength=bins)


def _timestamp(text: str) -> dt.datetime:
    # 7 fractional digits ("18:17:03.9799600"): Python reads at most 6.
    head, dot, fraction = text.strip().partition(".")
    return dt.datetime.fromisoformat(f"{head}.{(fraction + '000000')[:6]}" if dot else head)


def read_llm_requests(path: Path, service: str) -> LLMRequests:
    """Requests of one Azure LLM trace CSV, sorted by time; `TraceError` names file and line."""
    if not path.is_file():
        raise TraceError(f"trace file not found: {path}")
    stamps: list[dt.datetime] = []
    context: list[int] = []
    generated: list[int] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TraceError(
                f"{path}:1: missing column {missing[0]!r} (expected {', '.join(COLUMNS)})"
            )
        for line, row in enumerate(reader, start=2):
            try:
                stamps.append(_timestamp(row["TIMESTAMP"]))
                context.append(int(row["ContextTokens"]))
                generated.append(int(row["GeneratedTokens"]))
            except (TypeError, ValueError):
                raise TraceError(
                    f"{path}:{line}: expected a timestamp and two token counts, got "
                    f"{row.get('TIMESTAMP')!r}, {row.get('ContextTokens')!r}, "
                    f"{row.get('GeneratedTokens')!r}"
                ) from None
            if context[-1] < 0 or generated[-1] < 0:
                raise TraceError(f"{path}:{line}: token counts must be >= 0")
    if not stamps:
        raise TraceError(f"{path}: no requests")
    start = min(stamps)
    seconds = np.array([(s - start).total_seconds() for s in stamps])
    order = np.argsort(seconds, kind="stable")
    return LLMRequests(
        service=service,
        start=start,
        arrival_s=seconds[order],
        context_tokens=np.array(context, np.int64)[order],
        generated_tokens=np.array(generated, np.int64)[order],
    )


class AzureLLMReader:
    """``--trace azure-llm-2023``: request arrivals and tokens of the code and conv services."""

    name = "azure-llm-2023"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or traces_dir() / "azure-llm-2023"

    def workloads(self) -> tuple[str, ...]:
        return tuple(s for s, f in SERVICES.items() if (self.folder / f).is_file())

    def requests(self, service: str = "conv") -> LLMRequests:
        if service not in SERVICES:
            raise TraceError(f"azure-llm-2023 has no service {service!r} (known: code, conv)")
        return read_llm_requests(self.folder / SERVICES[service], service)

    def demand_shape(
        self, service: str = "conv", bin_s: float = 60.0, generated_weight: float = 1.0
    ) -> RateShape:
        """The inference generator's arrival shape from ``service``'s token load."""
        return self.requests(service).shape(bin_s, generated_weight)

    def load(self, workload: str = "default") -> Trace:
        raise TraceError(
            "trace 'azure-llm-2023' is inference requests, not a pod list: use it as an "
            "inference demand shape (AzureLLMReader.demand_shape)"
        )

    def info(self) -> TraceInfo:
        facts: dict[str, str] = {"kind": "inference requests: time, prompt and output tokens"}
        for service in self.workloads():
            r = self.requests(service)
            per_min = r.requests_per_bin(60.0)
            shape = r.shape(60.0)
            facts[f"{service}: requests"] = (
                f"{r.count:,} in {r.span_s / 60:,.0f} min from {r.start:%Y-%m-%d %H:%M} UTC "
                f"({per_min.mean():,.0f}/min, peak {per_min.max():,}/min)"
            )
            facts[f"{service}: tokens median in / out"] = (
                f"{np.median(r.context_tokens):,.0f} / {np.median(r.generated_tokens):,.0f}"
            )
            facts[f"{service}: token load peak / mean (1-min bins)"] = (
                f"{shape.relative_rate.max():.2f}"
            )
        return TraceInfo(
            name=self.name,
            title="Azure LLM inference trace 2023 (Splitwise)",
            source="github.com/Azure/AzurePublicDataset AzureLLMInferenceDataset2023 (ISCA'24)",
            license="CC BY 4.0 (LICENSE beside the files)",
            folder=self.folder,
            workloads=self.workloads(),
            facts=facts,
        )


@register_trace("azure-llm-2023")
def _azure() -> AzureLLMReader:
    return AzureLLMReader()
