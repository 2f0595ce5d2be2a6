"""``aispend status``: what was loaded when, how fresh it is, and why failed partitions failed."""

from __future__ import annotations

from aispend.config import AispendConfig
from aispend.output import render
from aispend.redact import redact
from aispend.storage import open_warehouse
from aispend.warehouse import utc_now

_LATEST = """
with ranked as (
    select *, row_number() over (partition by source, period order by finished_at desc) as rn
    from meta.loads
),
last_ok as (
    select source, period, max(finished_at) as last_loaded,
        arg_max(rows_loaded, finished_at) as rows_loaded
    from meta.loads where status = 'loaded' group by source, period
),
data as (
    select x_source as source, x_billing_period as period, max(charge_period_end) as data_through
    from marts.cost_lines group by x_source, x_billing_period
)
select r.source, r.period, r.status as last_attempt, r.finished_at as attempted_at,
    o.last_loaded, o.rows_loaded, d.data_through,
    round(date_diff('minute', o.last_loaded, cast(? as timestamp)) / 60.0, 1) as hours_since_load,
    case when r.status = 'loaded' then r.message end as note,
    r.load_id
from ranked as r
left join last_ok as o on r.source = o.source and r.period = o.period
left join data as d on r.source = d.source and r.period = d.period
where r.rn = 1
order by r.source, r.period
"""


def status_report(config: AispendConfig) -> str:
    warehouse = open_warehouse(config)
    con = warehouse.reader()
    try:
        now = utc_now()
        cursor = con.execute(_LATEST, [now])
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description or []][:-1]
        parts = [
            f"Warehouse: {warehouse.describe()}",
            "",
            render(columns, [r[:-1] for r in rows], "table"),
        ]
        for row in rows:
            if row[2] == "failed":
                kept = "kept its last good load" if row[4] else "has no good load yet"
                title = f"{row[0]} {row[1]} failed ({kept}):"
            elif row[-2]:
                title = f"{row[0]} {row[1]} loaded, {row[-2]}:"
            else:
                continue
            errors = con.execute(
                "select file, row_number, column_name, message from meta.load_errors "
                "where load_id = ? order by file, row_number limit 20",
                [row[-1]],
            ).fetchall()
            parts += ["", title]
            for file, line, column, message in errors:
                where = file + (f", row {line}" if line is not None else "")
                where += f", column {column!r}" if column else ""
                parts.append(f"  {where}: {message}")
        return redact("\n".join(parts))
    finally:
        con.close()
