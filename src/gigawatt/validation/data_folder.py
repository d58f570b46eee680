"""Where the validation data lives: ``data/validation`` of the checkout (an edge: file paths)."""

from __future__ import annotations

from pathlib import Path


def validation_dir() -> Path:
    """The folder holding the validation data, found by walking up from this file."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "data" / "validation"
        if (candidate / "epoch_data_centers.csv").is_file():
            return candidate
    raise FileNotFoundError("validation data folder data/validation not found")
