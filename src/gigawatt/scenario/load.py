"""Read a scenario YAML file into a validated `Scenario` (an edge: file I/O happens here).

Every failure becomes one `ScenarioError` naming the file, the line, the field path and what
was expected; nothing else escapes for bad input.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.scenario.checks import check_scenario
from gigawatt.scenario.errors import ScenarioError
from gigawatt.scenario.models import Scenario
from gigawatt.scenario.overrides import apply_overrides

#: Scenario files are hand-written; anything bigger is a mistake (or an attack).
MAX_SCENARIO_BYTES = 2 * 1024 * 1024

Path_ = tuple[str | int, ...]


def _line_index(node: yaml.Node, path: Path_, index: dict[Path_, int]) -> None:
    """Record the 1-based line of every key and item under `node`."""
    index.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            index[child] = key_node.start_mark.line + 1
            _line_index(value_node, child, index)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*path, i)
            index[child] = item.start_mark.line + 1
            _line_index(item, child, index)


def line_of(index: dict[Path_, int], path: Sequence[str | int]) -> int | None:
    """The line of the longest prefix of `path` that exists in the file."""
    parts = tuple(path)
    while parts:
        if parts in index:
            return index[parts]
        parts = parts[:-1]
    return index.get(())


def _expected(error: dict[str, Any]) -> str:
    """Turn one pydantic error into 'what was expected' wording."""
    kind = error["type"]
    msg = str(error["msg"])
    received = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/scenario-reference.md)"
    if kind == "missing":
        return "required field is missing"
    shown = repr(received)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    msg = msg.removeprefix("Value error, ")
    return f"{msg}, got {shown}"


def parse_scenario_text(
    text: str, file: str = "<scenario>", catalog: Catalog | None = None
) -> Scenario:
    """Parse and validate scenario YAML text. Raises `ScenarioError` on any problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        raise ScenarioError(file, f"not valid YAML: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(file, f"not valid YAML: {exc}") from None
    if root is None or data is None:
        raise ScenarioError(
            file, "file is empty; expected a mapping with keys program, sites, contracts"
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            file,
            f"expected a YAML mapping (program:, sites:, ...) at the top level, "
            f"got {type(data).__name__}",
            line=1,
        )
    index: dict[Path_, int] = {}
    _line_index(root, (), index)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(
            p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        more = exc.error_count() - 1
        message = _expected(dict(first))
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ScenarioError(file, message, line=line_of(index, loc), path=loc) from None
    base = catalog or load_catalog()
    try:
        effective = apply_overrides(base, scenario.catalog_overrides)
        check_scenario(scenario, effective)
    except ScenarioError as exc:
        raise ScenarioError(
            file, exc.message, line=line_of(index, exc.path), path=exc.path
        ) from None
    return scenario


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read a scenario file. Raises `ScenarioError` (never a traceback) for bad input."""
    file = str(path)
    p = Path(path)
    if not p.exists():
        raise ScenarioError(file, "no such file")
    if not p.is_file():
        raise ScenarioError(file, "not a file")
    size = p.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            file,
            f"file is {size / 1e6:.1f} MB; scenario files are limited to "
            f"{MAX_SCENARIO_BYTES / 1e6:.0f} MB (is this the right file?)",
        )
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            file, f"not a text file (byte {exc.start} is not UTF-8); expected YAML"
        ) from None
    if "\x00" in text:
        raise ScenarioError(file, "not a text file (contains NUL bytes); expected YAML")
    return parse_scenario_text(text, file, catalog)


def scenario_catalog(scenario: Scenario, catalog: Catalog | None = None) -> Catalog:
    """The catalog this scenario plans with: the bundled one plus its overrides."""
    return apply_overrides(catalog or load_catalog(), scenario.catalog_overrides)
