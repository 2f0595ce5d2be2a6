"""Billing periods and telemetry days: the partition keys of the warehouse.

A bill's period is the provider's billing month written ``YYYY-MM``; the provider restates whole
periods, so a period is the unit we replace. The open periods (current and previous month) are the
ones a nightly run reloads; closed ones change only when the provider re-delivers them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

#: First month the Dagster partitions cover; older bills are out of scope for a GPU-era tool.
FIRST_PERIOD = "2015-01"


def parse_period(text: str) -> str:
    """Return ``text`` if it is a valid ``YYYY-MM`` period, else raise ValueError naming it."""
    if not _PERIOD_RE.match(text):
        raise ValueError(f"billing period {text!r} is not of the form YYYY-MM (e.g. 2026-10)")
    return text


def period_of(day: date | datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_start(period: str) -> date:
    year, month = parse_period(period).split("-")
    return date(int(year), int(month), 1)


def previous_period(period: str) -> str:
    start = period_start(period)
    if start.month == 1:
        return f"{start.year - 1:04d}-12"
    return f"{start.year:04d}-{start.month - 1:02d}"


def open_periods(today: date | None = None) -> list[str]:
    """The periods a nightly run reloads: the previous and the current month (UTC)."""
    today = today or datetime.now(UTC).date()
    current = period_of(today)
    return [previous_period(current), current]
