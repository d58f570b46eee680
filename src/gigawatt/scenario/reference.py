"""The scenario file reference (``docs/scenario-reference.md``), generated from the models.

``python -m gigawatt.scenario.reference`` prints it; ``make docs`` writes it. Each field is
documented once, on its model (`gigawatt.scenario.models`); this module only lays the
models out as Markdown: one table per model, in the order a scenario file nests them, with
each field's type, default and constraints taken from the pydantic JSON schema.
"""

from __future__ import annotations

import inspect
import math
import sys
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter

from gigawatt.scenario import checks, finance, load, models, months, tenants

_GENERATOR = "python -m gigawatt.scenario.reference"


def _models_by_name() -> dict[str, type[BaseModel]]:
    """Every section's models by class name (the schema's ``$defs`` keys)."""
    return {
        value.__name__: value
        for module in (tenants, finance, models)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel)
    }


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float) and float(value).is_integer():
        return f"{int(value):,}"
    return str(value)


def _ref(schema: dict[str, Any]) -> str | None:
    """The model name a property schema points to (itself, as list items or map values)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for nested in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(nested, dict) and (name := _ref(nested)):
            return name
    for option in schema.get("anyOf", []):
        if name := _ref(option):
            return name
    return None


def _refs(schema: dict[str, Any]) -> list[str]:
    """Every model name a property schema points to: ``_ref``, or each option of a tagged
    union (``oneOf``, e.g. a tenant's workloads), in order."""
    for nested in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(nested, dict) and "oneOf" in nested:
            return [name for option in nested["oneOf"] if (name := _ref(option))]
    name = _ref(schema)
    return [name] if name else []


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    return options[0] if len(options) == 1 else schema


def _type(schema: dict[str, Any]) -> str:
    """Human wording of a JSON schema type: ``list of [Phase](#phase)``, ``month (YYYY-MM)``."""
    schema = _without_null(schema)
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(_type(o) for o in schema.get("anyOf") or schema["oneOf"])
    if "$ref" in schema:
        name = _ref(schema)
        return f"[{name}](#{str(name).lower()})"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "string" and schema.get("format") == "year-month":
        return "month (`YYYY-MM`)"
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and values.get("type") == "object" and "$ref" not in values:
            return "mapping of id to mapping"
        if isinstance(values, dict) and values:
            return f"mapping of id to {_type(values)}"
        return "mapping"
    return str(kind or "any")


def _constraints(schema: dict[str, Any]) -> str:
    schema = _without_null(schema)
    parts = []
    for key, word in (
        ("exclusiveMinimum", "> "),
        ("minimum", "≥ "),
        ("exclusiveMaximum", "< "),
        ("maximum", "≤ "),
    ):
        if key in schema:
            parts.append(f"{word}{_number(schema[key])}")
    if schema.get("minLength") == 1:
        parts.append("not empty")
    elif "minLength" in schema:
        parts.append(f"at least {schema['minLength']} characters")
    if "maxLength" in schema:
        parts.append(f"at most {schema['maxLength']} characters")
    if "pattern" in schema:
        parts.append(f"matches `{schema['pattern']}`")
    if schema.get("minItems") == 1:
        parts.append("at least one item")
    elif "minItems" in schema:
        parts.append(f"at least {schema['minItems']} items")
    return ", ".join(parts)


def _default(model: type[BaseModel], name: str) -> str:
    field = model.model_fields[name]
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "not set"
    if isinstance(value, BaseModel | list | dict) and not (
        value.model_dump(exclude_defaults=True) if isinstance(value, BaseModel) else value
    ):
        return "empty"
    if isinstance(value, float) and math.isnan(value):  # a sentinel: shown as serialized
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[field.annotation, *field.metadata])  # type: ignore[arg-type]
        value = adapter.dump_python(value, mode="json")
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{_number(value)}`"


def _prose(text: str) -> str:
    """Docstring text as one Markdown paragraph (reST ``code`` becomes `code`)."""
    return " ".join(text.split()).replace("``", "`")


def _cell(text: str) -> str:
    return _prose(text).replace("|", "\\|")


def _section(
    model: type[BaseModel], yaml_path: str, schema: dict[str, Any], level: int
) -> list[str]:
    doc = inspect.getdoc(model) or ""
    lines = [
        f"{'#' * level} {model.__name__}",
        "",
        f"Under `{yaml_path}`." if yaml_path else "The top level of the file.",
        "",
        _prose(doc),
        "",
        "| field | type | default | constraints | description |",
        "|---|---|---|---|---|",
    ]
    properties: dict[str, Any] = schema.get("properties", {})
    for name in model.model_fields:
        prop = properties[name]
        lines.append(
            f"| `{name}` | {_cell(_type(prop))} | {_cell(_default(model, name))} "
            f"| {_cell(_constraints(prop))} | {_cell(prop.get('description', ''))} |"
        )
    lines.append("")
    return lines


def render_reference() -> str:
    """The whole reference as Markdown (ends with a newline)."""
    top = models.Scenario.model_json_schema()
    defs: dict[str, Any] = top.get("$defs", {})
    classes = _models_by_name()
    module_doc = (inspect.getdoc(models) or "").split("\n\n")[1]
    rules = (inspect.getdoc(checks.check_scenario) or "").split("\n\n", 2)[-1]
    lines = [
        "# Scenario file reference",
        "",
        f"<!-- Generated by `{_GENERATOR}` (`make docs`) from "
        "src/gigawatt/scenario/models.py; edit the models, not this file. -->",
        "",
        _prose(module_doc),
        "",
        "Conventions:",
        "",
        "- Months are `YYYY-MM` (a date `YYYY-MM-DD` is read as its month), between "
        f"{months.FIRST_YEAR}-01 and {months.LAST_YEAR}-12.",
        "- Unknown keys are errors (a typo never passes silently); numbers must be finite and "
        "are never `yes`/`no`/`true`/`false`.",
        "- Accelerator and region ids come from the bundled catalog: `gigawatt catalog "
        "accelerators`, `gigawatt catalog regions`.",
        f"- Files are at most {load.MAX_SCENARIO_BYTES // 2**20} MiB, nest at most "
        f"{load.MAX_DEPTH} levels and hold at most {load.MAX_VALUES:,} values once YAML "
        "aliases are expanded; a key may appear only once in a mapping.",
        "- `gigawatt validate FILE` checks a file; an error is one line: "
        "`file:line: field.path: what was expected`.",
        "",
        "Checks across fields, made after the types:",
        "",
        rules,
        "",
    ]
    seen: set[str] = set()

    def walk(model: type[BaseModel], yaml_path: str, schema: dict[str, Any], level: int) -> None:
        lines.extend(_section(model, yaml_path, schema, level))
        for name, prop in schema.get("properties", {}).items():
            for child in _refs(prop):
                if child in seen:
                    continue
                seen.add(child)
                many = "[]" if _without_null(prop).get("type") == "array" else ""
                path = f"{yaml_path}.{name}{many}" if yaml_path else f"{name}{many}"
                walk(classes[child], path, defs[child], min(level + 1, 3) if yaml_path else 2)

    walk(models.Scenario, "", top, 2)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    """Print the reference to stdout."""
    sys.stdout.write(render_reference())


if __name__ == "__main__":
    main()
