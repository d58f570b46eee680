"""The one error a user sees for a bad scenario: file, line, field path, what was expected.

`describe_validation_error` turns pydantic's list of errors into that one line: it picks the
most useful error, names the field path and words what was expected.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

FieldPath = tuple[str | int, ...]


class GigawattError(Exception):
    """Base of errors meant for people (the CLI prints them in one line, exit code 2)."""


def format_path(path: Sequence[str | int]) -> str:
    """``("sites", 0, "phases", 1, "it_mw")`` -> ``sites[0].phases[1].it_mw``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _one_line(text: str) -> str:
    # Messages quote user input and library text; a newline in either would break the
    # one-line contract the CLI (and anyone grepping logs) relies on.
    return " ".join(text.split())


class ScenarioError(GigawattError):
    """A scenario file is not valid. ``str()`` is one line: ``file:line: field: message``."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        path: Sequence[str | int] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.path = tuple(path)
        self.message = _one_line(message)
        where = f"{file}:{line}" if line is not None else file
        field = format_path(self.path)
        text = f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"
        super().__init__(_one_line(text))


def _shown(value: Any) -> str:
    """A short repr of a user's value for 'got ...'."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin in (Union, types.UnionType):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        elif hasattr(annotation, "__metadata__"):
            annotation = get_args(annotation)[0]
        else:
            return annotation


def model_at(root: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model that validates the value at `path` under `root`, if it is a model."""
    annotation: Any = root
    for part in path:
        annotation = _unwrap(annotation)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            annotation = field.annotation
        elif origin is list and isinstance(part, int):
            annotation = get_args(annotation)[0]
        elif origin is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _keys(model: type[BaseModel] | None) -> str:
    return ", ".join(model.model_fields) if model is not None else ""


def describe_validation_error(exc: ValidationError, root: type[BaseModel]) -> tuple[FieldPath, str]:
    """The field path and one-line 'what was expected' for the most telling error in `exc`.

    A misspelt key (``land_acre``) also makes the real one (``land_acres``) "missing"; the
    unknown key is the cause, so unknown keys are reported first, with the closest allowed
    name, and the "missing" error it explains is not counted among the other problems.
    """
    errors = exc.errors()
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    error = unknown[0] if unknown else errors[0]
    # Validator functions add their own names to the location; they are not fields.
    path: FieldPath = tuple(
        p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
    )
    kind = error["type"]
    received = error.get("input")
    explained = 0
    if kind == "extra_forbidden":
        model = model_at(root, path[:-1])
        key = path[-1]
        message = f"unknown key {key!r}"
        names = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
        if close:
            message += f" (did you mean {close[0]!r}?)"
            missing = (*path[:-1], close[0])
            explained = sum(1 for e in errors if e["type"] == "missing" and e["loc"] == missing)
        if names:
            message += f"; expected one of: {', '.join(names)}"
    elif kind == "missing":
        message = "required field is missing"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        keys = _keys(model_at(root, path))
        message = (
            f"expected a mapping{f' with keys {keys}' if keys else ''}, got {_shown(received)}"
        )
    elif kind == "list_type":
        message = f"expected a list (items starting with '- '), got {_shown(received)}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        # Whole-model checks get the whole mapping as input: the message says it all.
        if not isinstance(received, dict | list) and "got " not in message:
            message += f", got {_shown(received)}"
    more = len(errors) - 1 - explained
    if more > 0:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return path, message
