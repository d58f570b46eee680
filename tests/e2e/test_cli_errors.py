"""`gigawatt validate` and `gigawatt plan` on broken files, as a user runs them: one line on
stderr starting with ``error:`` that names the file and line, exit code 2, no traceback."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml"
DEMO_TEXT = DEMO.read_text(encoding="utf-8")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # A narrow terminal: Rich must still print the error on one line.
    env = {**os.environ, "COLUMNS": "80", "LINES": "24"}
    return subprocess.run(
        [sys.executable, "-m", "gigawatt", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def edit(old: str, new: str) -> str:
    assert DEMO_TEXT.count(old) == 1
    return DEMO_TEXT.replace(old, new)


def line_with(text: str, needle: str) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, found
    return found[0]


_laughs = "".join(
    f"{name}: &{name} [{', '.join(['lol'] * 9 if name == 'a' else [f'*{chr(ord(name) - 1)}'] * 9)}]\n"
    for name in "abcdefghij"
)

# (id, file text, marker of the line the error must name, words the message must contain)
BROKEN: list[tuple[str, str, str, str]] = [
    (
        "wrong-type",
        edit("it_mw: 42", 'it_mw: "lots"'),
        'it_mw: "lots"',
        "sites[0].phases[0].it_mw",
    ),
    (
        "unknown-key",
        edit("land_acres: 500 ", "land_acre: 500 "),
        "land_acre: 500",
        "did you mean 'land_acres'?",
    ),
    (
        "unknown-accelerator-pattern",
        # The pattern in this message, '^[a-z0-9]...', must not be eaten as Rich markup.
        edit(
            "accelerator: gb300-nvl72         # ASSUMED\n        construction_start: 2025-10",
            "accelerator: GB300               # ASSUMED\n        construction_start: 2025-10",
        ),
        "accelerator: GB300",
        "'^[a-z0-9][a-z0-9._-]*$'",
    ),
    (
        "unknown-accelerator",
        edit(
            "accelerator: gb300-nvl72         # ASSUMED\n        construction_start: 2025-10",
            "accelerator: gb900               # ASSUMED\n        construction_start: 2025-10",
        ),
        "accelerator: gb900",
        "unknown accelerator 'gb900'; expected one of: ",
    ),
    (
        "negative-power",
        edit("power_mw: 750 ", "power_mw: -5 "),
        "power_mw: -5",
        "sites[0].grid.power_mw",
    ),
    (
        "dates-out-of-order",
        edit("construction_start: 2025-06", "construction_start: 2026-07"),
        "construction_start: 2026-07",
        "must be before online 2026-05",
    ),
    (
        "duplicate-key",
        edit("  horizon_months: 62", "  horizon_months: 62\n  horizon_months: 60"),
        "horizon_months: 60",
        "duplicate key 'horizon_months'",
    ),
    ("not-yaml", "{[}\n", "{[}", "not valid YAML"),
    ("tabs", "program:\n\tname: x\n", "\tname", "not valid YAML"),
    ("yaml-list", "- a\n- b\n", "- a", "got a list"),
    ("billion-laughs", _laughs, "f: &f", "alias"),
]


def check_one_error_line(result: subprocess.CompletedProcess[str], file: str, line: int) -> str:
    """The error is one line on stderr naming `file:line`; exit 2; no traceback anywhere."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert f"{file}:{line}: " in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize(
    ("text", "marker", "expected"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_file_is_one_error_line_and_exit_2(
    command: str, text: str, marker: str, expected: str, tmp_path: Path
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    error = check_one_error_line(run(command, str(path)), str(path), line_with(text, marker))
    assert expected in error


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_binary_file_is_one_error_line(command: str, tmp_path: Path) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(b"\xff\xfe" + random.Random(1).randbytes(10_000))
    error = check_one_error_line(run(command, str(path)), str(path), 1)
    assert "not a text file" in error


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_a_50_mb_file_is_refused(command: str, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"program:\n")
        handle.truncate(50 * 2**20)  # sparse: the size is what matters, and it is checked first
    result = run(command, str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: file is 50.0 MiB")


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_missing_file_and_empty_file(command: str, tmp_path: Path) -> None:
    for path, words in ((tmp_path / "nope.yaml", "no such file"), (tmp_path, "is a directory")):
        result = run(command, str(path))
        assert result.returncode == 2
        assert result.stderr.strip() == f"error: {path}: {words}; expected a scenario YAML file"
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    result = run(command, str(empty))
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"error: {empty}: file has no content")


def test_validate_reports_each_bad_file_on_its_own_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit("it_mw: 42", "it_mw: -1"), encoding="utf-8")
    result = run("validate", str(DEMO), str(bad), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    errors = result.stderr.strip().splitlines()
    assert [e.split(":", 2)[1].strip() for e in errors] == [
        str(bad),
        str(tmp_path / "missing.yaml"),
    ]
    assert "ok" in result.stdout


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_a_valid_file_exits_0(command: str) -> None:
    result = run(command, str(DEMO))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Traceback" not in result.stdout
