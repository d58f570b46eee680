"""Where the validation data lives: ``data/validation`` of the checkout (an edge: file paths)."""

from __future__ import annotations

from pathlib import Path

from gigawatt.datafiles import data_dir


def validation_dir() -> Path:
    """The folder holding the validation data: ``data/validation`` of the checkout."""
    return data_dir("validation", "data_centers.csv")
