"""A sweep's files, and the reader `gigawatt run` charts them from."""

from __future__ import annotations

import json
import math
from pathlib import Path

from gigawatt.outputs.sweep import read_sweep_summary, write_samples, write_sweep_summary


def test_the_summary_reads_back_with_null_for_nan(tmp_path: Path) -> None:
    path = write_sweep_summary(tmp_path, {"npv_usd": {"p50": 1.0e9}, "irr": math.nan})
    assert json.loads(path.read_text()) == {"npv_usd": {"p50": 1.0e9}, "irr": None}
    assert read_sweep_summary(tmp_path) == {"npv_usd": {"p50": 1.0e9}, "irr": None}


def test_a_folder_without_a_sweep_summary_reads_as_none(tmp_path: Path) -> None:
    assert read_sweep_summary(tmp_path) is None
    (tmp_path / "sweep.json").write_text("[1, 2]")
    assert read_sweep_summary(tmp_path) is None
    (tmp_path / "sweep.json").write_text("{not json")
    assert read_sweep_summary(tmp_path) is None


def test_samples_are_written_as_one_table(tmp_path: Path) -> None:
    written = write_samples(tmp_path / "s" / "samples.parquet", [{"sample": 0.0, "npv_usd": 1.0}])
    assert written.exists() and written.stat().st_size > 0
    assert not list(written.parent.glob(".*tmp"))
