"""Read a scenario YAML file into a validated `Scenario` (an edge: file I/O happens here).

Every failure becomes one `ScenarioError` naming the file, the line, the field path and what
was expected; nothing else escapes for bad input. The steps, in order:

1. the file: exists, is a file, is at most `MAX_SCENARIO_BYTES`, is UTF-8 text;
2. YAML syntax, composed into nodes by `_ScenarioLoader` (limits on depth and size);
3. the nodes: no duplicate keys, no alias cycles, at most `MAX_VALUES` values once aliases
   are expanded (a "billion laughs" file stops here), and the line of every field;
4. the models (`Scenario`): types, ranges, unknown keys;
5. the catalog: ids exist, overrides are valid, dates are in order (`check_scenario`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.reader import ReaderError

from gigawatt.catalog import Catalog, load_catalog
from gigawatt.scenario.checks import check_scenario
from gigawatt.scenario.errors import FieldPath, ScenarioError, describe_validation_error
from gigawatt.scenario.models import Scenario
from gigawatt.scenario.overrides import apply_overrides

#: Scenario files are hand-written; anything bigger is a mistake (or an attack).
MAX_SCENARIO_BYTES = 2 * 1024 * 1024
#: A scenario nests 5 levels (catalog_overrides.accelerators.<id>.<field>.value); deeper
#: nesting is a mistake, and unbounded nesting would exhaust the recursive YAML composer.
MAX_DEPTH = 32
#: Values (mappings, lists, scalars) in the document once aliases are expanded. The bundled
#: scenarios hold under a thousand; nine nested aliases can stand for a billion.
MAX_VALUES = 100_000

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _TooBig(ComposerError):
    """Valid YAML, but deeper or larger than any scenario (see `MAX_DEPTH`, `MAX_VALUES`)."""


class _BadScalar(ConstructorError):
    """A scalar that its constructor cannot read; keeps the node to find its field path."""

    def __init__(self, node: yaml.Node, problem: str) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.node = node


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with limits while composing and marked errors for bad scalars.

    Composing stops at `MAX_DEPTH` levels and `MAX_VALUES` nodes, so neither a deeply nested
    nor a huge flat document gets far. A scalar that a tag or the YAML resolver sends to a
    constructor that cannot read it (``!!int lots``, ``2026-13-01`` as a timestamp) raises a
    plain ValueError in PyYAML; here it becomes a `ConstructorError` with its line.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._composed = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        self._depth += 1
        self._composed += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooBig(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            if self._composed > MAX_VALUES:
                raise _TooBig(None, None, f"more than {MAX_VALUES:,} values in one document", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise _BadScalar(node, f"cannot read {node.value!r} as {tag} ({exc})") from None


class _NodeIndex:
    """Walks composed nodes as validation will see them (aliases expanded).

    Records the 1-based line of every key and list item by field path, and rejects what
    PyYAML would let through: duplicate keys (it keeps the last one silently), alias cycles,
    and alias bombs (more than `MAX_VALUES` values after expansion).
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[FieldPath, int] = {}
        #: The first field path at which each node was seen (by ``id``).
        self.paths: dict[int, FieldPath] = {}
        self._count = 0
        self._open: set[int] = set()

    def _fail(self, message: str, line: int, path: FieldPath) -> ScenarioError:
        return ScenarioError(self.file, message, line=line, path=path)

    def visit(self, node: yaml.Node, path: FieldPath, line: int, *, merged: bool = False) -> None:
        """Index `node` found at `path` on `line`; `merged` values never replace own ones."""
        self._count += 1
        if self._count > MAX_VALUES:
            # Deep inside an expansion the path is noise; name the top-level key that holds it.
            top = path[:1]
            raise self._fail(
                f"more than {MAX_VALUES:,} values once aliases (*name) are expanded; "
                "expected a hand-written scenario (is this an alias bomb?)",
                self.lines.get(top, line),
                top,
            )
        if len(path) > MAX_DEPTH:
            raise self._fail(
                f"nested deeper than {MAX_DEPTH} levels once aliases are expanded", line, path
            )
        if id(node) in self._open:
            raise self._fail(
                "an alias refers to a value that contains it (a cycle); expected plain values",
                line,
                path,
            )
        self.paths.setdefault(id(node), path)
        if merged:
            self.lines.setdefault(path, line)
        else:
            self.lines[path] = line
        if isinstance(node, yaml.MappingNode):
            self._open.add(id(node))
            self._mapping(node, path, merged=merged)
            self._open.discard(id(node))
        elif isinstance(node, yaml.SequenceNode):
            self._open.add(id(node))
            for i, item in enumerate(node.value):
                self.visit(item, (*path, i), item.start_mark.line + 1, merged=merged)
            self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: FieldPath, *, merged: bool) -> None:
        first_line: dict[tuple[str, str], int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._fail("expected a plain name as key, got a list or mapping", line, path)
            key = key_node.value
            seen = first_line.get((key_node.tag, key))
            if seen is not None:
                raise self._fail(
                    f"duplicate key {key!r} (first on line {seen}); expected each key once",
                    line,
                    (*path, key),
                )
            first_line[(key_node.tag, key)] = line
            self.visit(value_node, (*path, key), line, merged=merged)
        # `<<: *defaults` copies keys the mapping does not set itself.
        for value_node in merges:
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    self._count += 1
                    if id(source) in self._open:
                        raise self._fail(
                            "a merge (<<) refers to a value that contains it (a cycle); "
                            "expected plain values",
                            source.start_mark.line + 1,
                            path,
                        )
                    self._open.add(id(source))
                    self._mapping(source, path, merged=True)
                    self._open.discard(id(source))


def _yaml_error(file: str, text: str, exc: yaml.YAMLError) -> ScenarioError:
    """One line for a PyYAML error: its context and problem, at its line."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if isinstance(exc, _TooBig):
            return ScenarioError(
                file, f"{exc.problem}; expected a hand-written scenario", line=line
            )
        parts = [p for p in (exc.context, exc.problem) if p]
        if "'\\t'" in (exc.problem or ""):
            parts.append("indent with spaces, not tabs")
        return ScenarioError(file, f"not valid YAML: {', '.join(parts) or exc}", line=line)
    if isinstance(exc, ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return ScenarioError(
            file,
            f"not valid YAML: unacceptable character #x{exc.character:04x} ({exc.reason})",
            line=line,
        )
    return ScenarioError(file, f"not valid YAML: {exc}")


def line_of(index: dict[FieldPath, int], path: Sequence[str | int]) -> int | None:
    """The line of the longest prefix of `path` that exists in the file."""
    parts = tuple(path)
    while parts:
        if parts in index:
            return index[parts]
        parts = parts[:-1]
    return index.get(())


def _kind(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return f"the text {data[:40]!r}"
    return f"a single value ({type(data).__name__})"


def parse_scenario_text(
    text: str, file: str = "<scenario>", catalog: Catalog | None = None
) -> Scenario:
    """Parse and validate scenario YAML text. Raises `ScenarioError` on any problem."""
    empty = "file has no content; expected a mapping with keys program, sites, contracts"
    loader: _ScenarioLoader | None = None
    nodes = _NodeIndex(file)
    try:
        loader = _ScenarioLoader(text)  # checks for unprintable characters
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(file, empty)
        nodes.visit(root, (), root.start_mark.line + 1)
        data = loader.construct_document(root)
    except _BadScalar as exc:
        line = exc.node.start_mark.line + 1
        path = nodes.paths.get(id(exc.node), ())
        raise ScenarioError(file, str(exc.problem), line=line, path=path) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(file, text, exc) from None
    except RecursionError:
        # MAX_DEPTH keeps nesting far below Python's limit; this is the last guard.
        raise ScenarioError(
            file, f"nested too deeply; expected at most {MAX_DEPTH} levels"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise ScenarioError(file, empty)
    if not isinstance(data, dict):
        raise ScenarioError(
            file,
            f"expected a YAML mapping (program:, sites:, ...) at the top level, got {_kind(data)}",
            line=root.start_mark.line + 1,
        )
    index = nodes.lines
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        path, message = describe_validation_error(exc, Scenario)
        raise ScenarioError(file, message, line=line_of(index, path), path=path) from None
    base = catalog or load_catalog()
    try:
        effective = apply_overrides(base, scenario.catalog_overrides)
        check_scenario(scenario, effective)
    except ScenarioError as exc:
        raise ScenarioError(
            file, exc.message, line=line_of(index, exc.path), path=exc.path
        ) from None
    return scenario


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file, checked to be a readable UTF-8 file of sane size."""
    file = str(path)
    p = Path(path)
    if not p.exists():
        raise ScenarioError(file, "no such file; expected a scenario YAML file")
    if p.is_dir():
        raise ScenarioError(file, "is a directory; expected a scenario YAML file")
    if not p.is_file():
        raise ScenarioError(file, "not a regular file; expected a scenario YAML file")
    limit = f"scenario files are limited to {MAX_SCENARIO_BYTES / 2**20:.0f} MiB"
    try:
        size = p.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise ScenarioError(
                file, f"file is {size / 2**20:.1f} MiB; {limit} (is this the right file?)"
            )
        # Read at most one byte past the limit: the file may grow after stat().
        with p.open("rb") as handle:
            raw = handle.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(file, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(file, f"file is larger than the limit; {limit}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            file, f"not a text file (byte {exc.start} is not UTF-8); expected YAML", line=line
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError(file, "not a text file (contains NUL bytes); expected YAML", line=line)
    return text


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read a scenario file. Raises `ScenarioError` (never a traceback) for bad input."""
    return parse_scenario_text(read_scenario_text(path), str(path), catalog)


def scenario_catalog(scenario: Scenario, catalog: Catalog | None = None) -> Catalog:
    """The catalog this scenario plans with: the bundled one plus its overrides."""
    return apply_overrides(catalog or load_catalog(), scenario.catalog_overrides)
