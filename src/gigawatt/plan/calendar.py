"""Month arithmetic. Plans are monthly; a month is the `date` of its first day."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt


def add_months(month: dt.date, count: int) -> dt.date:
    """The month `count` months after `month` (negative goes back)."""
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, later: dt.date) -> int:
    """Whole months from `first` to `later` (negative if `later` is earlier)."""
    return (later.year - first.year) * 12 + (later.month - first.month)


def hours_in_month(month: dt.date) -> float:
    """Hours in the calendar month (672 to 744)."""
    return 24.0 * _calendar.monthrange(month.year, month.month)[1]


def month_range(first: dt.date, count: int) -> list[dt.date]:
    """`count` consecutive months from `first`."""
    return [add_months(first, k) for k in range(count)]


def weeks_to_months(weeks: float) -> int:
    """Lead time in weeks rounded up to whole months (52/12 weeks a month)."""
    months = weeks * 12.0 / 52.0
    whole = int(months)
    return whole if months - whole < 1e-9 else whole + 1
