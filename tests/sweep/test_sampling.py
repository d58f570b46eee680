"""Sampling designs and inverse CDFs."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.scenario.finance import Distribution
from gigawatt.sweep.distributions import ppf
from gigawatt.sweep.sampling import draw, quantile_values, unit_samples


def dist(**spec: object) -> Distribution:
    return Distribution.model_validate(spec)


def test_latin_hypercube_puts_one_sample_in_each_stratum_of_each_input() -> None:
    u = unit_samples(3, 50, "lhs", seed=7)
    assert u.shape == (50, 3)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 50).astype(int).tolist()) == list(range(50))


def test_same_seed_same_draws() -> None:
    assert np.array_equal(unit_samples(2, 20, "lhs", 3), unit_samples(2, 20, "lhs", 3))
    assert not np.array_equal(unit_samples(2, 20, "lhs", 3), unit_samples(2, 20, "lhs", 4))


def test_grid_uses_the_largest_full_grid_that_fits() -> None:
    u = unit_samples(2, 10, "grid", 0)
    assert u.shape == (9, 2)
    assert sorted(set(u[:, 0].tolist())) == pytest.approx([1 / 6, 0.5, 5 / 6])


def test_grid_too_small_for_its_inputs_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 2\\^3 = 8 samples"):
        unit_samples(3, 5, "grid", 0)


def test_unknown_method_is_an_error() -> None:
    with pytest.raises(ValueError, match="lhs or grid"):
        unit_samples(2, 5, "sobol", 0)


def test_inverse_cdfs_stay_within_their_bounds() -> None:
    u = np.linspace(0, 1, 101)
    tri = ppf(dist(dist="triangular", low=0, mode=2, high=10), u)
    assert tri[0] == 0 and tri[-1] == pytest.approx(10)
    normal = ppf(dist(dist="normal", mean=0.8, sd=0.3, low=0.5, high=1.0), u)
    assert normal.min() >= 0.5 and normal.max() <= 1.0
    assert ppf(dist(dist="lognormal", median=1.0, sigma=0.3), np.array([0.5]))[0] == pytest.approx(
        1.0
    )
    assert ppf(dist(dist="uniform", low=2, high=4), np.array([0.25]))[0] == pytest.approx(2.5)


def test_fixed_inputs_are_not_design_dimensions() -> None:
    names, values = draw(
        {
            "utilization": dist(dist="fixed", value=0.7),
            "chip_price_factor": dist(dist="uniform", low=0.5, high=1.5),
        },
        9,
        "grid",
        0,
    )
    assert names == ["chip_price_factor", "utilization"]
    assert values.shape == (9, 2)  # one varying input: 9 levels
    assert set(values[:, 1].tolist()) == {0.7}
    assert quantile_values({"u": dist(dist="uniform", low=0, high=2)}, 0.5) == {"u": 1.0}
