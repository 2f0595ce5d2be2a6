"""What a built model looks like at a glance: its row count, its money totals and its top rows,
so the Dagster UI answers "did last night's numbers look right?" (plain values here; the
pipelines layer turns the markdown preview into Dagster metadata)."""

from typing import Any

import duckdb

MONEY_COLUMNS = (
    "billed_cost",
    "effective_cost",
    "cost",
    "idle_cost",
    "savings",
    "gpu_effective_cost",
    "untagged_effective_cost",
)
PREVIEW_ROWS = 10


def table_summary(con: duckdb.DuckDBPyConnection, table: str, rows: int | None) -> dict[str, Any]:
    """``rows`` is None for a view: it gets nothing but its column count. Metadata reads what a
    build wrote; a preview of a view computes the view (staging.gpu_sample_spans: a window over
    every sample, seconds a night at a month of telemetry, for ten rows)."""
    if rows is None:
        return {"columns": len(con.execute(f"DESCRIBE {table}").fetchall())}
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    metadata: dict[str, Any] = {"rows": rows}
    money = [c for c in MONEY_COLUMNS if c in columns]
    if money and "billing_currency" in columns:
        sums = ", ".join(f"sum({c})" for c in money)
        for currency, *totals in con.execute(
            f"SELECT billing_currency, {sums} FROM {table} GROUP BY 1 ORDER BY 1"
        ).fetchall():
            for column, total in zip(money, totals, strict=True):
                if total is not None:
                    metadata[f"total {column} ({currency or 'no currency'})"] = float(total)
    if rows:
        order = f" ORDER BY {money[0]} DESC NULLS LAST" if money else ""
        cursor = con.execute(f"SELECT * FROM {table}{order} LIMIT {PREVIEW_ROWS}")
        names = [d[0] for d in cursor.description or []]
        lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        lines += [
            "| " + " | ".join("" if v is None else str(v) for v in row) + " |"
            for row in cursor.fetchall()
        ]
        metadata["preview"] = "\n".join(lines)
    return metadata
