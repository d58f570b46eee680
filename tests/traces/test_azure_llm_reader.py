"""The Azure LLM inference trace 2023: requests, tokens and the demand shape it gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigawatt.traces import TraceError, get_trace
from gigawatt.traces.azure_llm import AzureLLMReader, read_llm_requests


def test_first_conversation_requests_parse() -> None:
    requests = AzureLLMReader().requests("conv")
    # File rows 2-3: 18:15:46.6805900, 374, 44 and 18:15:50.9951690, 396, 109.
    assert requests.count == 19_366
    assert requests.context_tokens[:2].tolist() == [374, 396]
    assert requests.generated_tokens[:2].tolist() == [44, 109]
    assert requests.arrival_s[1] == pytest.approx(50.995169 - 46.68059, abs=1e-6)
    assert np.all(np.diff(requests.arrival_s) >= 0)


def test_demand_shape_follows_token_load_per_minute() -> None:
    requests = AzureLLMReader().requests("code")
    shape = requests.shape(60.0)
    assert shape.relative_rate.mean() == pytest.approx(1.0)
    assert len(shape.relative_rate) == int(requests.span_s // 60)
    minute = requests.arrival_s // 60 == 0
    first = float((requests.context_tokens + requests.generated_tokens)[minute].sum())
    per_bin = [
        float(
            (requests.context_tokens + requests.generated_tokens)[
                requests.arrival_s // 60 == i
            ].sum()
        )
        for i in range(len(shape.relative_rate))
    ]
    assert shape.relative_rate[0] == pytest.approx(first / np.mean(per_bin))
    # Weighing decode tokens more changes the shape (code prompts are long, outputs short).
    assert not np.allclose(
        requests.shape(60.0, generated_weight=10.0).relative_rate, shape.relative_rate
    )


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "trace.csv"
    bad.write_text(
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        "2023-11-16 18:15:46.6805900,374,44\n"
        "2023-11-16 18:15:50.9951690,lots,109\n"
    )
    with pytest.raises(TraceError, match=r"trace\.csv:3: expected a timestamp and two token"):
        read_llm_requests(bad, "conv")
    bad.write_text("TIME,ContextTokens\n1,2\n")
    with pytest.raises(TraceError, match=r"trace\.csv:1: missing column 'TIMESTAMP'"):
        read_llm_requests(bad, "conv")


def test_unknown_service_and_packing_are_clear_errors() -> None:
    with pytest.raises(TraceError, match="no service 'chat'"):
        AzureLLMReader().requests("chat")
    with pytest.raises(TraceError, match="inference demand shape"):
        get_trace("azure-llm-2023").load("default")


def test_inference_generator_follows_the_azure_shape() -> None:
    from gigawatt.fleet.topology import HallBlock, build_fleet
    from gigawatt.scenario.tenants import InferenceFleet, Tenant, Workload
    from gigawatt.traces.philly import load_research_mix
    from gigawatt.workload.generators import RateShape, generate_jobs

    fleet = build_fleet([HallBlock("s", "a", "h100", 2_000, 8, 1, 0.0)])
    spec = InferenceFleet(share_of_fleet=0.5, group_accelerators=8, group_hours=1.0)
    workload = Workload(tenants=[Tenant(name="serve", entitlement=1, workloads=[spec])], seed=1)
    shape = AzureLLMReader().demand_shape("code", bin_s=60.0)
    horizon_s = 20 * shape.period_s
    jobs = generate_jobs(workload, fleet, horizon_s, load_research_mix(), inference_shape=shape)
    # Arrivals per minute of the period, folded over the 20 periods, follow the shape's load.
    minute = (jobs.arrival_s % shape.period_s // 60).astype(np.int64)
    counts = np.bincount(minute, minlength=len(shape.relative_rate))
    expected = shape.relative_rate / shape.relative_rate.sum() * jobs.count
    assert np.corrcoef(counts, expected)[0, 1] > 0.9
    busiest = int(np.argmax(shape.relative_rate))
    assert counts[busiest] > 2 * np.median(counts)
    # A shape with no load in its second half gives no arrivals there.
    half = RateShape(60.0, np.array([1.0] * 30 + [0.0] * 30))
    quiet = generate_jobs(workload, fleet, horizon_s, load_research_mix(), inference_shape=half)
    assert quiet.count > 0 and np.all(quiet.arrival_s % 3600.0 < 1800.0)
