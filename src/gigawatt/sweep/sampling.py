"""Sample plans for sweeps: Latin hypercube (default) or a full grid of quantiles."""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from gigawatt.scenario.finance import Distribution
from gigawatt.sweep.distributions import ppf

FloatArray = NDArray[np.float64]


def unit_samples(dimensions: int, count: int, method: str, seed: int) -> FloatArray:
    """`count` points in [0, 1)^dimensions. "lhs": Latin hypercube (McKay, Beckman & Conover
    1979), each input's range cut into `count` equal-probability strata, one draw in each;
    "grid": k levels per input at the quantiles (i + 0.5) / k, k = floor(count^(1/d)), so
    the grid holds k^d <= count points."""
    if count < 1:
        raise ValueError(f"a sweep needs at least one sample, got {count}")
    if dimensions == 0:
        return np.zeros((count, 0))
    if method == "lhs":
        sampler = qmc.LatinHypercube(d=dimensions, seed=np.random.default_rng(seed))
        return np.asarray(sampler.random(count), dtype=float)
    if method == "grid":
        levels = int(np.floor(count ** (1.0 / dimensions) + 1e-9))
        if levels < 2:
            raise ValueError(
                f"a grid over {dimensions} inputs needs at least 2^{dimensions} = "
                f"{2**dimensions} samples, got {count}"
            )
        axis = (np.arange(levels) + 0.5) / levels
        return np.array(list(itertools.product(axis, repeat=dimensions)), dtype=float)
    raise ValueError(f"unknown sampling method {method!r}; expected lhs or grid")


def draw(
    inputs: dict[str, Distribution], count: int, method: str, seed: int
) -> tuple[list[str], FloatArray]:
    """Input names (sorted) and a (samples x inputs) array of their values. Fixed inputs are
    not dimensions of the design: they take their value in every sample."""
    names = sorted(inputs)
    varying = [n for n in names if inputs[n].dist != "fixed"]
    unit = unit_samples(len(varying), count, method, seed)
    values = np.empty((unit.shape[0], len(names)))
    for j, name in enumerate(names):
        if name in varying:
            values[:, j] = ppf(inputs[name], unit[:, varying.index(name)])
        else:
            values[:, j] = ppf(inputs[name], np.zeros(unit.shape[0]))
    return names, values


def quantile_values(inputs: dict[str, Distribution], q: float) -> dict[str, float]:
    """Each input at probability `q` (0.5: the median)."""
    return {name: float(ppf(dist, np.array([q]))[0]) for name, dist in inputs.items()}
