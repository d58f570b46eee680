"""Inverse CDFs of the uncertain inputs' distributions: uniform draws in [0, 1) -> values."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from gigawatt.scenario.finance import Distribution

FloatArray = NDArray[np.float64]


def ppf(dist: Distribution, u: FloatArray) -> FloatArray:
    """Values at probabilities `u` (each in [0, 1]) of `dist`. Truncated normal/lognormal draw
    from the CDF window between `low` and `high`, so every value lies inside them."""
    u = np.asarray(u, dtype=float)
    if dist.dist == "fixed":
        assert dist.value is not None
        return np.full(u.shape, float(dist.value))
    if dist.dist == "uniform":
        assert dist.low is not None and dist.high is not None
        return dist.low + u * (dist.high - dist.low)
    if dist.dist == "triangular":
        assert dist.low is not None and dist.high is not None and dist.mode is not None
        width = dist.high - dist.low
        c = (dist.mode - dist.low) / width
        return np.asarray(stats.triang.ppf(u, c, loc=dist.low, scale=width), dtype=float)
    if dist.dist == "normal":
        assert dist.mean is not None and dist.sd is not None
        frozen = stats.norm(loc=dist.mean, scale=dist.sd)
    else:
        assert dist.median is not None and dist.sigma is not None
        frozen = stats.lognorm(s=dist.sigma, scale=dist.median)
    lo = frozen.cdf(dist.low) if dist.low is not None else 0.0
    hi = frozen.cdf(dist.high) if dist.high is not None else 1.0
    values = frozen.ppf(lo + u * (hi - lo))
    if dist.low is not None or dist.high is not None:
        values = np.clip(
            values,
            dist.low if dist.low is not None else -np.inf,
            dist.high if dist.high is not None else np.inf,
        )
    return np.asarray(values, dtype=float)
