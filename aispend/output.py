"""Render query results as an aligned table, CSV, or JSON (objects, money kept exact)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    if fmt == "csv":
        return _csv(columns, rows)
    if fmt == "json":
        return (
            "["
            + ",\n ".join(
                "{"
                + ", ".join(
                    f"{json.dumps(c)}: {_json_value(v)}" for c, v in zip(columns, row, strict=True)
                )
                + "}"
                for row in rows
            )
            + "]"
        )
    return _table(columns, rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def _decimal(value: Decimal) -> str:
    """Exact, without exponent or trailing zeros beyond the cent: 18.0066386184, 0.24 -> 0.24."""
    text = format(value, "f")
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0")
        frac = frac.ljust(2, "0")
        text = f"{whole}.{frac}"
    return text


def _json_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime | date):
        return json.dumps(_text(value))
    return json.dumps(value, default=str)


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(columns)
    for row in rows:
        out.writerow([_text(v) for v in row])
    return buffer.getvalue().rstrip("\n")


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_text(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float | Decimal) or row[i] is None for row in rows) and rows
        for i in range(len(columns))
    ]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    parts = [line(list(columns)), "  ".join("-" * w for w in widths)]
    parts += [line(r) for r in cells]
    parts.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(parts)
