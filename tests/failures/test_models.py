"""Failure models: bundled files validate; bad files fail with file, field and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.failures import FailureModelError, available_models, load_failure_model


def test_bundled_models_validate_and_cite_a_source_per_rate() -> None:
    assert {"llama3-2024", "meta-rsc1-2024", "meta-rsc2-2024"} <= set(available_models())
    for name in available_models():
        model = load_failure_model(name)
        for comp in model.components:
            assert comp.source and comp.date
            assert comp.rate_per_unit_s >= 0


def test_llama3_observed_counts_sum_to_table5() -> None:
    model = load_failure_model("llama3-2024")
    unplanned = sum(c.observed.events for c in model.components if c.loses_work and c.observed)
    planned = sum(c.observed.events for c in model.components if not c.loses_work and c.observed)
    assert (unplanned, planned) == (419, 47)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
id: t
name: t
description: t
accelerators_per_node: {default: 8}
recovery: {detection_s: 60, restart_s: 180, checkpoint_cost_s: 10, source: "assumed"}
components:
  - id: gpu
    name: GPU
    scope: accelerator
    kind: hardware
    RATE
    source: "test"
    date: "2024"
"""


def test_a_good_file_loads(tmp_path: Path) -> None:
    model = load_failure_model(_write(tmp_path, GOOD.replace("RATE", "rate_per_1000_unit_days: 1")))
    assert model.components[0].rate_per_unit_s == pytest.approx(1e-3 / 86400)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("rate_per_1000_unit_days: -1", "components[gpu].rate_per_1000_unit_days"),
        ("rate_per_1000_unit_days: '1'", "components[gpu].rate_per_1000_unit_days"),
        ("rate_per_100_unit_days: 1", "components[gpu].rate_per_100_unit_days"),
        ("observed: {events: 3}", "components[gpu].observed.unit_days"),
        ("distribution: weibull\n    rate_per_1000_unit_days: 1", "needs weibull_shape"),
        ("scope: rack\n    rate_per_1000_unit_days: 1", "components[gpu].scope"),
    ],
)
def test_bad_files_name_file_field_and_expectation(
    tmp_path: Path, rate: str, expected: str
) -> None:
    path = _write(tmp_path, GOOD.replace("RATE", rate))
    with pytest.raises(FailureModelError) as info:
        load_failure_model(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(FailureModelError, match=r"known: .*llama3-2024"):
        load_failure_model("nope-2024")


def test_scopes_count_units_of_a_job() -> None:
    from gigawatt.failures import JobShape

    model = load_failure_model("llama3-2024")
    by_scope = {c.scope: c for c in model.components}
    shape = JobShape(accelerators=100, node_accelerators=4, domain_accelerators=72)
    assert shape.units(by_scope["accelerator"]) == 100
    assert shape.units(by_scope["node"]) == 25
    assert shape.units(by_scope["job"]) == 1
    domain = by_scope["node"].model_copy(update={"scope": "domain"})
    assert shape.units(domain) == 2
    assert shape.replacement_accelerators(domain) == 72
