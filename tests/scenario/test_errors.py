"""Broken scenario files: each fails with one `ScenarioError` naming the file, the line, the
field path and what was expected, and nothing else escapes.

The cases are a table: each edits the demo scenario's text (or writes a file from scratch),
and the expected line is computed from the text written, by finding the marked line in it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import gigawatt.scenario.load as load_module
from gigawatt.catalog import load_catalog
from gigawatt.scenario import ScenarioError, load_scenario, parse_scenario_text
from gigawatt.scenario.errors import format_path
from gigawatt.scenario.load import MAX_DEPTH, MAX_SCENARIO_BYTES, MAX_VALUES

ROOT = Path(__file__).resolve().parents[2]
DEMO_TEXT = (ROOT / "scenarios" / "anthropic-fluidstack-2026.yaml").read_text(encoding="utf-8")

#: The demo's fourth phase block, cb-4: sites[0].phases[1].
CB4 = (
    "      - name: cb-4\n        online: 2026-10\n        it_mw: 168\n        accelerator: tpu7x\n"
)


def edit(old: str, new: str, text: str = DEMO_TEXT) -> str:
    """`text` with its one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_with(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the `occurrence`-th line of `text` containing `needle`."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) >= occurrence, f"{needle!r} found on lines {found}"
    if occurrence == 1:
        assert len(found) == 1, f"{needle!r} is not unique: lines {found}"
    return found[occurrence - 1]


def overrides(body: str) -> str:
    """The demo with a ``catalog_overrides:`` block (indented YAML `body`) appended."""
    return DEMO_TEXT + "\ncatalog_overrides:\n" + body


@dataclass(frozen=True)
class Case:
    """A broken file, where its error should point, and words the message must contain."""

    id: str
    text: str
    line: int | None
    path: str
    expected: tuple[str, ...]


def case(
    id: str,
    text: str,
    marker: str | None,
    path: str,
    *expected: str,
    occurrence: int = 1,
) -> Case:
    line = line_with(text, marker, occurrence) if marker is not None else None
    return Case(id, text, line, path, expected)


KNOWN_ACCELERATORS = sorted(load_catalog().accelerators)
KNOWN_REGIONS = sorted(load_catalog().regions)

#: A small valid scenario, for edits that would be awkward in the demo's commented text.
MINIMAL = """\
program:
  name: Minimal
  start: 2026-01
  horizon_months: 24
  budget_usd: 1.0e9
sites:
  - id: tx-1
    name: One
    region: tx
    land_acres: 100
    grid:
      power_mw: 100
      interconnect: 2026-01
    phases:
      - name: p1
        online: 2026-06
        it_mw: 50
        accelerator: h100
"""

_duplicate = edit("        it_mw: 42\n", "        it_mw: 42\n        it_mw: 43   # second\n")


def _billion_laughs() -> tuple[str, str]:
    """Ten keys, each a list of nine aliases of the previous one ("billion laughs"), and the
    first key whose expansion takes the document past `MAX_VALUES` values."""
    lines, counted, size, first_over = [], 1, 0, ""
    for k in range(10):
        name = chr(ord("a") + k)
        items = ", ".join(["lol"] * 9 if k == 0 else [f"*{chr(ord(name) - 1)}"] * 9)
        lines.append(f"{name}: &{name} [{items}]\n")
        size = 1 + 9 * (size or 1)  # the list itself plus nine copies of the previous one
        counted += size
        if counted > MAX_VALUES and not first_over:
            first_over = name
    return "".join(lines), first_over


_laughs, _laughs_over = _billion_laughs()

CASES = [
    # Types and values the models reject.
    case(
        "wrong-type",
        edit(CB4, CB4.replace("it_mw: 168", 'it_mw: "lots"')),
        'it_mw: "lots"',
        "sites[0].phases[1].it_mw",
        "valid number",
        "'lots'",
    ),
    case(
        "boolean-for-number",
        edit("it_mw: 42", "it_mw: yes"),
        "it_mw: yes",
        "sites[0].phases[0].it_mw",
        "expected a number, got a boolean",
    ),
    case(
        "unknown-top-level-key",
        DEMO_TEXT + "colour: blue\n",
        "colour: blue",
        "colour",
        "unknown key 'colour'",
        "expected one of: program, sites, contracts, catalog_overrides",
    ),
    case(
        "unknown-nested-key-typo",
        edit("land_acres: 500 ", "land_acre: 500 "),
        "land_acre: 500",
        "sites[0].land_acre",
        "unknown key 'land_acre'",
        "did you mean 'land_acres'?",
        "expected one of: id, name, region, land_acres",
    ),
    case(
        "negative-grid-power",
        edit("power_mw: 750 ", "power_mw: -5 "),
        "power_mw: -5",
        "sites[0].grid.power_mw",
        "greater than or equal to 0",
        "-5",
    ),
    case(
        "zero-it-mw",
        edit("it_mw: 42", "it_mw: 0"),
        "it_mw: 0",
        "sites[0].phases[0].it_mw",
        "greater than 0",
        "got 0",
    ),
    case(
        "negative-it-mw",
        edit("it_mw: 42", "it_mw: -42"),
        "it_mw: -42",
        "sites[0].phases[0].it_mw",
        "greater than 0",
        "got -42",
    ),
    case(
        "infinite-budget",
        edit("budget_usd: 50.0e9", "budget_usd: .inf"),
        "budget_usd: .inf",
        "program.budget_usd",
        "finite number",
    ),
    case(
        "month-in-words",
        edit("start: 2025-11", 'start: "June 2026"'),
        'start: "June 2026"',
        "program.start",
        "expected a month as YYYY-MM (e.g. 2026-06)",
        "'June 2026'",
    ),
    case(
        "month-out-of-range",
        edit("start: 2025-11", "start: 9025-11"),
        "start: 9025-11",
        "program.start",
        "expected a month between 1900-01 and 2200-12",
    ),
    case(
        "impossible-date",
        edit("interconnect: 2024-01", "interconnect: 2024-13-01"),
        "interconnect: 2024-13-01",
        "sites[0].grid.interconnect",
        "cannot read '2024-13-01' as timestamp",
    ),
    case(
        "explicit-tag-that-cannot-convert",
        edit("it_mw: 42", "it_mw: !!int lots"),
        "it_mw: !!int lots",
        "sites[0].phases[0].it_mw",
        "cannot read 'lots' as int",
    ),
    case(
        "missing-required-field",
        edit("  horizon_months: 62        # through 2030-12 (covers \"break even by 2030\")\n", ""),
        "program:",
        "program.horizon_months",
        "required field is missing",
    ),
    case(
        "mapping-expected",
        edit(
            "    grid:\n      power_mw: 100\n      interconnect: 2026-01\n",
            "    grid: 750\n",
            MINIMAL,
        ),
        "grid: 750",
        "sites[0].grid",
        "expected a mapping with keys power_mw, interconnect",
        "got 750",
    ),
    case(
        "list-expected",
        edit("  - id: google-tpu\n", "  google-tpu:\n"),
        "contracts:",
        "contracts",
        "expected a list",
    ),
    case(
        "unknown-contract-kind",
        edit("kind: cloud", "kind: lease"),
        "kind: lease",
        "contracts[0].kind",
        "'cloud' or 'colocation'",
    ),
    case(
        "bad-site-id",
        edit("- id: tx-1", "- id: TX_1"),
        "- id: TX_1",
        "sites[1].id",
        "pattern '^[a-z0-9][a-z0-9-]*$'",
        "'TX_1'",
    ),
    case(
        "contract-with-both-prices",
        edit("term_months: 60", "term_months: 60\n    price_per_kw_month_usd: 100"),
        "- id: google-tpu",
        "contracts[0]",
        "expected exactly one price",
        "got both",
    ),
    case(
        "contract-with-no-price",
        edit(
            "    price_per_accelerator_hour_usd: 1.20 # ASSUMED: "
            '"tens of billions" over ~5 years for ~1M TPUs\n',
            "",
        ),
        "- id: google-tpu",
        "contracts[0]",
        "expected exactly one price",
        "got neither",
    ),
    # Checks against the catalog and across fields.
    case(
        "unknown-accelerator",
        edit(CB4, CB4.replace("tpu7x", "tpu9")),
        "accelerator: tpu9",
        "sites[0].phases[1].accelerator",
        "unknown accelerator 'tpu9'; expected one of: " + ", ".join(KNOWN_ACCELERATORS),
    ),
    case(
        "unknown-region",
        edit("region: ny", "region: atlantis"),
        "region: atlantis",
        "sites[0].region",
        "unknown region 'atlantis'; expected one of: " + ", ".join(KNOWN_REGIONS),
    ),
    case(
        "phases-out-of-order",
        edit("online: 2027-12", "online: 2027-01"),
        "online: 2027-01",
        "sites[3].phases[1].online",
        "phases must be in order of online date: 2027-01 comes before",
        "2027-06",
    ),
    case(
        "construction-start-after-online",
        edit("construction_start: 2025-06", "construction_start: 2026-07"),
        "construction_start: 2026-07",
        "sites[0].phases[0].construction_start",
        "construction_start 2026-07 must be before online 2026-05",
    ),
    case(
        "online-before-program-start",
        edit("start: 2025-11", "start: 2026-06"),
        "online: 2026-05",
        "sites[0].phases[0].online",
        "online 2026-05 is before the program start 2026-06",
    ),
    case(
        "ramp-months-not-increasing",
        edit("{month: 2026-07,", "{month: 2025-12,"),
        "{month: 2025-12,",
        "contracts[0].ramp[1].month",
        "ramp months must increase: 2025-12 after 2026-01",
    ),
    case(
        "duplicate-site-id",
        edit("- id: tx-2", "- id: tx-1"),
        "- id: tx-1",
        "sites[2].id",
        "duplicate site id 'tx-1'",
        occurrence=2,
    ),
    case(
        "duplicate-phase-name",
        edit("- name: cb-4", "- name: cb-3"),
        "- name: cb-3",
        "sites[0].phases[1].name",
        "duplicate phase name 'cb-3'",
        occurrence=2,
    ),
    case(
        "override-unknown-field",
        overrides("  accelerators:\n    tpu7x:\n      it_power_wat: {value: 1, source: x}\n"),
        "it_power_wat:",
        "catalog_overrides.accelerators.tpu7x.it_power_wat",
        "unknown key 'it_power_wat' (did you mean 'it_power_w'?)",
    ),
    case(
        "override-value-without-source",
        overrides("  accelerators:\n    tpu7x:\n      it_power_w: {value: 1200, date: '2025'}\n"),
        "it_power_w:",
        "catalog_overrides.accelerators.tpu7x.it_power_w.source",
        "required field is missing",
    ),
    case(
        "override-bare-number",
        overrides("  cost:\n    construction_months: 12\n"),
        "construction_months: 12",
        "catalog_overrides.cost.construction_months",
        "expected a mapping with keys value, source, date, note",
        "got 12",
    ),
    case(
        "override-unknown-section",
        overrides("  suply: {}\n"),
        "suply:",
        "catalog_overrides.suply",
        "unknown key 'suply'",
        "expected one of: accelerators, regions, cost",
    ),
    case(
        "override-id-differs-from-key",
        overrides("  accelerators:\n    tpu7x:\n      id: tpu8\n"),
        "id: tpu8",
        "catalog_overrides.accelerators.tpu7x.id",
        "id 'tpu8' differs from its key",
    ),
    # YAML that PyYAML would accept silently, or never finish.
    case(
        "duplicate-key",
        _duplicate,
        "# second",
        "sites[0].phases[0].it_mw",
        f"duplicate key 'it_mw' (first on line {line_with(_duplicate, 'it_mw: 42')})",
    ),
    case(
        "duplicate-top-level-key",
        DEMO_TEXT + "contracts: []\n",
        "contracts: []",
        "contracts",
        "duplicate key 'contracts'",
    ),
    case(
        "billion-laughs",
        _laughs,
        f"{_laughs_over}: &{_laughs_over}",
        _laughs_over,
        f"more than {MAX_VALUES:,} values once aliases",
    ),
    case(
        "alias-cycle",
        "program: &loop [*loop]\n",
        "program:",
        "program[0]",
        "cycle",
    ),
    case(
        "merge-cycle",
        "program: &loop {<<: *loop, name: x}\n",
        "program:",
        "program",
        "cycle",
    ),
    case(
        "nested-too-deep",
        "program:\n  name: " + "[" * 1000 + "]" * 1000 + "\n",
        "name:",
        "",
        f"nested deeper than {MAX_DEPTH} levels",
    ),
    # Not a scenario, or not YAML at all.
    case("empty-file", "", None, "", "file has no content", "program, sites, contracts"),
    case("whitespace-only", "  \n\n    \n", None, "", "file has no content"),
    case("comments-only", "# nothing here yet\n", None, "", "file has no content"),
    case("yaml-list", "- program\n- sites\n", "- program", "", "got a list"),
    case("yaml-scalar", "\n\nhello world\n", "hello world", "", "got the text 'hello world'"),
    case("unbalanced-brackets", "{[}", "{[}", "", "not valid YAML", "found '}'"),
    case(
        "unbalanced-brackets-later",
        edit("it_mw: 42", "it_mw: {[}"),
        "it_mw: {[}",
        "",
        "not valid YAML",
    ),
    case(
        "tab-indentation",
        "program:\n\tname: x\n",
        "\tname",
        "",
        "not valid YAML",
        "cannot start any token",
        "indent with spaces, not tabs",
    ),
    case(
        "control-character",
        "program:\n  name: a\x07b\n",
        "name:",
        "",
        "not valid YAML: unacceptable character #x0007",
    ),
    case(
        "two-documents",
        DEMO_TEXT + "---\nprogram: {}\n",
        "---",
        "",
        "expected a single document",
    ),
]


def check(error: ScenarioError, file: str, expected: Case) -> None:
    """The error names file, line and field path, words what was expected, on one line."""
    text = str(error)
    assert "\n" not in text
    assert error.file == file
    assert error.line == expected.line, text
    assert format_path(error.path) == expected.path, text
    where = f"{file}:{expected.line}" if expected.line is not None else file
    assert text.startswith(f"{where}: {expected.path}: " if expected.path else f"{where}: ")
    for fragment in expected.expected:
        assert fragment in error.message, text
    # Raised fresh or `from None`: a traceback, if ever printed, would not drag PyYAML's along.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


@pytest.mark.parametrize("broken", CASES, ids=[c.id for c in CASES])
def test_broken_file_gives_one_located_error(broken: Case, tmp_path: Path) -> None:
    path = tmp_path / f"{broken.id}.yaml"
    path.write_text(broken.text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert time.perf_counter() - started < 5  # alias bombs and deep nesting stop early
    check(caught.value, str(path), broken)


def test_text_errors_name_the_given_file() -> None:
    broken = CASES[0]
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_text(broken.text, "inline.yaml")
    check(caught.value, "inline.yaml", broken)


def test_the_unmodified_demo_is_valid() -> None:
    # Guards the table: every case above is broken by its edit, not by the demo itself.
    assert parse_scenario_text(DEMO_TEXT).program.horizon_months == 62


def test_anchors_and_merge_keys_still_work() -> None:
    text = edit(
        "      - name: cb-3\n        online: 2026-05\n",
        "      - &cb3\n        name: cb-3\n        online: 2026-05\n",
    )
    text = edit(CB4, "      - <<: *cb3\n        name: cb-4\n        online: 2026-10\n", text)
    phases = parse_scenario_text(text).sites[0].phases
    assert (phases[1].name, phases[1].it_mw, phases[1].accelerator) == ("cb-4", 42, "tpu7x")
    assert phases[1].construction_start is not None
    assert phases[1].construction_start.isoformat() == "2025-09-01"


def test_an_error_inside_an_anchor_points_at_the_line_it_is_written_on() -> None:
    text = edit(
        "      - name: cb-3\n        online: 2026-05\n        it_mw: 42\n",
        "      - &cb3\n        name: cb-3\n        online: 2026-05\n        it_mw: -1\n",
    )
    text = edit(CB4, "      - <<: *cb3\n        name: cb-4\n        online: 2026-10\n", text)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_text(text, "a.yaml")
    assert caught.value.line == line_with(text, "it_mw: -1")
    assert format_path(caught.value.path) == "sites[0].phases[0].it_mw"


def test_binary_file_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(0).randbytes(4096))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    check(caught.value, str(path), Case("", "", 1, "", ("not a text file (byte 0", "YAML")))


def test_nul_bytes_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"program:\n  name: a\x00b\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    check(caught.value, str(path), Case("", "", 2, "", ("contains NUL bytes",)))


def test_a_50_mb_file_is_rejected_by_size_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    line = (b"# padding " * 7)[:63] + b"\n"  # 64 bytes of valid YAML (a comment)
    block = line * (2**20 // len(line))  # 1 MiB, written 50 times
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(block)
    assert path.stat().st_size == 50 * 2**20 > MAX_SCENARIO_BYTES

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(load_module, "parse_scenario_text", must_not_parse)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert time.perf_counter() - started < 0.5
    check(
        caught.value,
        str(path),
        Case("", "", None, "", ("file is 50.0 MiB", "limited to 2 MiB")),
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    check(caught.value, str(path), Case("", "", None, "", ("no such file",)))


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path)
    check(caught.value, str(tmp_path), Case("", "", None, "", ("is a directory",)))


@pytest.mark.parametrize(
    "make",
    [
        lambda text: edit("it_mw: 42", 'it_mw: "a\\nb"', text),
        lambda text: edit("land_acres: 500", '"land\\nacres": 500', text),
        lambda text: edit("name: cb-3", "name: [a", text),
    ],
    ids=["newline-in-value", "newline-in-key", "yaml-syntax-error"],
)
def test_messages_are_one_line_whatever_the_input(make: Callable[[str], str]) -> None:
    try:
        parse_scenario_text(make(DEMO_TEXT), "x.yaml")
    except ScenarioError as error:
        assert "\n" not in str(error) and "\n" not in error.message
    else:
        pytest.fail("expected a ScenarioError")
