"""Write the report for a period from the warehouse (used by the CLI and the Dagster asset)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from aispend.config import AispendConfig
from aispend.report.data import collect, latest_period
from aispend.report.page import render
from aispend.storage import open_warehouse
from aispend.warehouse import utc_now


class NothingToReport(Exception):
    """The warehouse holds no cost lines yet, or none for the period asked for."""


def write_report(config: AispendConfig, out: Path, period: str | None = None) -> str:
    """Render ``period`` (default: the latest billing period loaded) to ``out``; returns the
    period shown."""
    warehouse = open_warehouse(config)
    con = warehouse.reader()
    try:
        chosen = period or latest_period(con)
        if chosen is None:
            raise NothingToReport(
                f"{warehouse.describe()} holds no cost lines yet: run `aispend run` first"
            )
        if period is not None and not _has_period(con, period):
            raise NothingToReport(
                f"{warehouse.describe()} holds no cost lines for {period}: load it with "
                f"`aispend run --period {period}`, or leave out --period for the latest"
            )
        html = render(collect(con, chosen), utc_now())
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(out)
    return chosen


def _has_period(con: duckdb.DuckDBPyConnection, period: str) -> bool:
    row = con.execute(
        "select count(*) from marts.cost_lines where x_billing_period = ?", [period]
    ).fetchone()
    return bool(row and row[0])
