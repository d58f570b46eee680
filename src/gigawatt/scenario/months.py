"""Months as the scenario file writes them: ``YYYY-MM``, parsed to the first day of the month.

Every section of the scenario (program, sites, contracts, finance, tenants' reservations) uses
this one `Month` type, so a month is read, checked and written back the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

#: Months outside these years are typos (``20260-06``, ``1026-06``); the planner's calendar
#: also needs every month it reaches (start + horizon) to be a valid date.
FIRST_YEAR = 1900
LAST_YEAR = 2200


def parse_month(value: Any) -> dt.date:
    """Accept ``YYYY-MM`` (or a date / ``YYYY-MM-DD``) and return the first day of that month.

    Raises ValueError naming the expected form for anything else, and for years outside
    `FIRST_YEAR`..`LAST_YEAR`.
    """
    month: dt.date | None = None
    if isinstance(value, dt.datetime):
        month = value.date().replace(day=1)
    elif isinstance(value, dt.date):
        month = value.replace(day=1)
    elif isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m", "%Y-%m-%d"):
            try:
                month = dt.datetime.strptime(text, fmt).date().replace(day=1)
                break
            except ValueError:
                continue
    if month is None:
        raise ValueError(f"expected a month as YYYY-MM (e.g. 2026-06), got {value!r}")
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise ValueError(
            f"expected a month between {FIRST_YEAR}-01 and {LAST_YEAR}-12, got {value!r}"
        )
    return month


def format_month(month: dt.date) -> str:
    """``date(2026, 6, 1)`` -> ``"2026-06"`` (zero-padded, so it parses back)."""
    return f"{month.year:04d}-{month.month:02d}"


Month = Annotated[
    dt.date,
    BeforeValidator(parse_month),
    PlainSerializer(format_month, return_type=str),
    WithJsonSchema({"type": "string", "format": "year-month", "examples": ["2026-06"]}),
]
