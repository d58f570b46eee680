"""Read and validate failure models from ``data/failures/`` (the package's one I/O module,
as ``catalog/load.py`` is for the catalog)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gigawatt.datafiles import data_dir
from gigawatt.failures.models import FailureModel


class FailureModelError(ValueError):
    """A failure model file that is missing or does not validate; the message names the file,
    the field and what was expected, in one line."""


def failures_dir() -> Path:
    """``data/failures`` of the checkout."""
    return data_dir("failures", "llama3-2024.yaml")


def available_models(folder: Path | None = None) -> list[str]:
    """Ids of the bundled failure models (file stems), sorted."""
    return sorted(p.stem for p in (folder or failures_dir()).glob("*.yaml"))


def _field(loc: tuple[int | str, ...], raw: Any) -> str:
    # Components are a list in YAML: name them by id where we can, e.g. components[faulty_gpu].
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            item = node[key]
            label = item.get("id") if isinstance(item, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label or key}]"]
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


def model_from_document(raw: Any, origin: str) -> FailureModel:
    """Validate a parsed YAML document; raises `FailureModelError` naming `origin`."""
    if not isinstance(raw, dict):
        raise FailureModelError(f"{origin}: expected a mapping at the top level")
    try:
        # Through JSON so strict mode accepts YAML lists for tuples, and nothing else coerces.
        return FailureModel.model_validate_json(json.dumps(raw))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _field(tuple(err["loc"]), raw) or "(top level)"
        more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise FailureModelError(f"{origin}: {where}: {err['msg']}{more}") from None
    except TypeError as exc:  # e.g. a YAML date object json cannot encode
        raise FailureModelError(f"{origin}: {exc}; quote dates as strings") from None


def load_failure_model(name_or_path: str | Path, folder: Path | None = None) -> FailureModel:
    """A bundled model by id (``llama3-2024``) or a YAML file by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        base = folder or failures_dir()
        path = base / f"{name_or_path}.yaml"
        if not path.is_file():
            known = ", ".join(available_models(base))
            raise FailureModelError(f"unknown failure model {name_or_path!r} (known: {known})")
    return _load_path(path.resolve())


@cache
def _load_path(path: Path) -> FailureModel:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FailureModelError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FailureModelError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return model_from_document(raw, str(path))
