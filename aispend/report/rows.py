"""A report query's rows as dicts keyed by column name, for the report's sections."""

from __future__ import annotations

from typing import Any

import duckdb


def dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
