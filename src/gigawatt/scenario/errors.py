"""The one error a user sees for a bad scenario: file, line, field path, what was expected."""

from __future__ import annotations

from collections.abc import Sequence


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
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        field = format_path(self.path)
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")
