"""Fleet outages for the time-based engine: counts follow rate x exposure, domain failures take
whole domains down, software causes take no capacity away."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.failures import load_failure_model
from gigawatt.failures.outages import draw_outages

DAY = 86_400.0


def test_outage_count_follows_rate_times_node_days() -> None:
    model = load_failure_model("meta-rsc1-2024")  # 6.50 per 1,000 node-days
    nodes = 20_000
    out = draw_outages(
        model,
        np.full(nodes, 8, dtype=np.int64),
        np.arange(nodes, dtype=np.int64),
        np.zeros(nodes),
        np.full(nodes, np.inf),
        100 * DAY,
    )
    expected = 6.5e-3 * nodes * 100
    assert out.node.size == pytest.approx(expected, rel=0.05)
    assert np.all(np.diff(out.down_s) >= 0)
    assert np.all(out.up_s > out.down_s)  # all hardware: every outage takes the node away


def test_nodes_fail_only_while_in_service_and_software_keeps_capacity() -> None:
    model = load_failure_model("llama3-2024")
    nodes = 4_000
    online = np.where(np.arange(nodes) < 2_000, 0.0, 50 * DAY)
    out = draw_outages(
        model,
        np.full(nodes, 8, dtype=np.int64),
        np.arange(nodes, dtype=np.int64) // 9,
        online,
        np.full(nodes, np.inf),
        100 * DAY,
    )
    late = out.node >= 2_000
    assert np.all(out.down_s[late] >= 50 * DAY)
    software = np.array([model.components[c].repair is None for c in out.cause])
    np.testing.assert_array_equal(out.up_s[software], out.down_s[software])
    assert not np.any(out.cause == [c.id for c in model.components].index("planned_maintenance"))


def test_a_domain_failure_takes_every_node_of_the_domain() -> None:
    base = load_failure_model("meta-rsc1-2024")
    comp = base.components[0].model_copy(update={"scope": "domain"})
    model = base.model_copy(update={"components": (comp,)})
    nodes = 18 * 500  # 500 NVL72 racks of 18 trays
    domain = np.arange(nodes, dtype=np.int64) // 18
    out = draw_outages(
        model,
        np.full(nodes, 4, dtype=np.int64),
        domain,
        np.zeros(nodes),
        np.full(nodes, np.inf),
        365 * DAY,
        seed=1,
    )
    assert out.node.size % 18 == 0 and out.node.size > 0
    _, per_time = np.unique(out.down_s, return_counts=True)
    assert np.all(per_time == 18)
