"""gigawatt: plan, simulate and operate AI compute fleets at gigawatt scale."""

__version__ = "0.1.0"
