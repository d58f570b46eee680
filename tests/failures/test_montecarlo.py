"""The job Monte Carlo: the vectorized replay equals the one-event-at-a-time reference, spares
make the job wait when the pool is empty, and counts follow rate x time."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.failures import JobShape, load_failure_model
from gigawatt.failures.montecarlo import draw_events, replay, replay_reference

DAY = 86_400.0


@pytest.mark.parametrize("spares", [None, 8, 64])
def test_vectorized_replay_equals_reference(spares: int | None) -> None:
    model = load_failure_model("llama3-2024")
    shape = JobShape(4096, 8, 8)
    events = draw_events(model, shape, 20 * DAY, 5, 240.0, spares=spares, seed=3)
    loses = np.array([c.loses_work for c in model.components])
    repl = np.array([8 if c.repair else 0 for c in model.components], dtype=np.int64)
    fast = replay(events, loses, repl, 1200.0, 30.0)
    ref = replay_reference(events, loses, repl, 1200.0, 30.0)
    for name in ("useful_s", "rollback_s", "recovery_s", "checkpoint_s", "accelerators_in_repair"):
        np.testing.assert_allclose(getattr(fast, name), getattr(ref, name), rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(fast.interruptions, ref.interruptions)


def test_time_is_accounted_for_exactly() -> None:
    model = load_failure_model("llama3-2024")
    events = draw_events(model, JobShape(16384, 8, 8), 10 * DAY, 4, 240.0, seed=1)
    loses = np.array([c.loses_work for c in model.components])
    res = replay(events, loses, np.zeros(len(loses), dtype=np.int64), 600.0, 10.0)
    total = res.useful_s + res.rollback_s + res.recovery_s + res.checkpoint_s
    np.testing.assert_allclose(total, 10 * DAY, rtol=1e-12)


def test_an_empty_spares_pool_makes_hardware_stops_wait_for_repair() -> None:
    model = load_failure_model("llama3-2024")
    shape = JobShape(16384, 8, 8)
    unlimited = draw_events(model, shape, 10 * DAY, 3, 240.0, spares=None, seed=2)
    none = draw_events(model, shape, 10 * DAY, 3, 240.0, spares=0, seed=2)
    np.testing.assert_array_equal(unlimited.time_s, none.time_s)
    hw = none.repair_s > 0
    assert np.all(none.recovery_s[hw] >= 240.0 + none.repair_s[hw] - 1e-6)
    np.testing.assert_allclose(none.recovery_s[~hw], 240.0)


def test_weibull_components_keep_their_long_run_rate() -> None:
    base = load_failure_model("meta-rsc1-2024")
    comp = base.components[0].model_copy(update={"distribution": "weibull", "weibull_shape": 1.5})
    model = base.model_copy(update={"components": (comp,)})
    shape = JobShape(16384, 8, 8)
    events = draw_events(model, shape, 365 * DAY, 4, 0.0, seed=0)
    expected = comp.rate_per_unit_s * 2048 * 365 * DAY * 4
    # Fresh units with k > 1 fail less early on: fewer than the stationary count, same order.
    assert 0.5 * expected < events.time_s.size < 1.05 * expected
