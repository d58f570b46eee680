"""Atomic writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gigawatt.outputs.files import (
    json_ready,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out" / "summary.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})
    assert path.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"]


def test_csv_and_text_are_written_whole(tmp_path: Path) -> None:
    write_csv_atomic(tmp_path / "t.csv", ["month", "usd"], [("2026-01", 1.5), ("2026-02", 2)])
    assert (tmp_path / "t.csv").read_text() == "month,usd\n2026-01,1.5\n2026-02,2\n"
    write_text_atomic(tmp_path / "t.csv", "x")
    assert (tmp_path / "t.csv").read_text() == "x"


def test_json_ready_turns_non_finite_numbers_into_null() -> None:
    value = {"a": math.nan, "b": [1.0, math.inf, (2.0, -math.inf)], "c": "nan"}
    assert json_ready(value) == {"a": None, "b": [1.0, None, [2.0, None]], "c": "nan"}
