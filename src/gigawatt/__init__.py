"""gigawatt: plan, simulate and operate AI compute fleets at gigawatt scale.

The chain as a library (docs/library.md)::

    import gigawatt
    result = gigawatt.run("scenarios/anthropic-fluidstack-2026.yaml", months=4)

`run`, `Pipeline`, `SimulationOptions`, `RunResult` and `load_scenario` are imported on first
use, so ``import gigawatt`` (and ``gigawatt --help``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from gigawatt.pipeline import Pipeline, RunResult, SimulationOptions, run
    from gigawatt.scenario import load_scenario

__all__ = ["Pipeline", "RunResult", "SimulationOptions", "__version__", "load_scenario", "run"]

_PIPELINE_NAMES = frozenset({"Pipeline", "RunResult", "SimulationOptions", "run"})


def __getattr__(name: str) -> Any:
    """The library's entry points, imported when first asked for."""
    if name in _PIPELINE_NAMES:
        from gigawatt import pipeline

        return getattr(pipeline, name)
    if name == "load_scenario":
        from gigawatt.scenario import load_scenario

        return load_scenario
    raise AttributeError(f"module 'gigawatt' has no attribute {name!r}")
