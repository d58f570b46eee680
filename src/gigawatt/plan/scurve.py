"""How construction spending spreads over the months of a build."""

from __future__ import annotations


def s_curve_weights(months: int) -> list[float]:
    """Share of a build's cost spent in each of `months` months, summing to 1.

    Uses the smoothstep cumulative curve F(x) = 3x^2 - 2x^3 (the CDF of a symmetric
    Beta(2, 2) distribution), the usual bell-shaped construction cash-flow profile: slow
    mobilisation, peak spend mid-build, slow close-out.
    """
    if months <= 0:
        raise ValueError("a build needs at least one month")

    def cdf(x: float) -> float:
        return 3 * x * x - 2 * x * x * x

    return [cdf((k + 1) / months) - cdf(k / months) for k in range(months)]
