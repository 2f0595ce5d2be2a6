"""What a model build must redo, read from the warehouse's own records of loads and builds.

Every load since the last good build is in meta.loads with the partition it replaced: a billing
period of marts.cost_lines (``2026-10``) or a UTC day of the raw telemetry tables
(``2026-10-21``). The earliest of them, per loaded table, is where the models' inputs changed;
dbt_like/plan.py turns that into the models to rebuild and from when. The build is whole when
the models' definitions changed (SQL, parameters, config tables), when there is no good build to
start from, or with ``--full-refresh``. Whoever loaded (`aispend run`, the schedule, a sensor),
the records say the same, so every path builds the same plan.
"""

from __future__ import annotations

import re
from datetime import datetime

import duckdb

from aispend.config import AispendConfig
from aispend.model_inputs import last_build, model_definition
from dbt_like import Project
from dbt_like.plan import EVERYWHERE, Planner

BILLING_TABLES = ("marts.cost_lines",)
TELEMETRY_TABLES = (
    "raw.gpu_samples",
    "raw.scheduler_jobs",
    "raw.k8s_pods",
    "raw.k8s_nodes",
    "raw.gpu_processes",
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def model_plan(
    config: AispendConfig, project: Project, con: duckdb.DuckDBPyConnection, full: bool = False
) -> Planner:
    """``con`` reads the warehouse's latest state (Warehouse.latest)."""
    existing = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
    }
    build = last_build(con)
    if full or build is None or build.definition != model_definition(config):
        return Planner(project, {}, existing, full=True)
    loads = con.execute(
        "SELECT DISTINCT period FROM meta.loads WHERE status = 'loaded' AND finished_at > ?",
        [build.loads_until],
    ).fetchall()
    periods = [str(p) for (p,) in loads]
    changes = load_changes(periods)
    earliest_run = _earliest_run_start(con, [p for p in periods if _DAY.match(p)])
    if earliest_run is not None:
        for table in TELEMETRY_TABLES:
            changes[table] = min(changes[table], earliest_run)
    return Planner(project, changes, existing)


def _earliest_run_start(con: duckdb.DuckDBPyConnection, days: list[str]) -> datetime | None:
    """The UTC midnight before the start of the earliest run with a part loaded on ``days``:
    a part of a run loaded today (a requeued Slurm job) can stretch the run back in time."""
    if not days:
        return None
    row = con.execute(
        "SELECT min(started_at) FROM raw.scheduler_jobs WHERE run_id IN ("
        " SELECT run_id FROM raw.scheduler_jobs WHERE CAST(day AS VARCHAR) IN (SELECT unnest(?)))",
        [days],
    ).fetchone()
    if not row or row[0] is None:
        return None
    started: datetime = row[0]
    return datetime(started.year, started.month, started.day)


def load_changes(periods: list[str]) -> dict[str, datetime]:
    """Loaded table -> the earliest time the loads of ``periods`` changed in it."""
    changes: dict[str, datetime] = {}

    def changed(tables: tuple[str, ...], since: datetime) -> None:
        for table in tables:
            changes[table] = min(changes.get(table, since), since)

    for period in periods:
        if _DAY.match(period):
            changed(TELEMETRY_TABLES, datetime.strptime(period, "%Y-%m-%d"))
        elif _MONTH.match(period):
            changed(BILLING_TABLES, datetime.strptime(period, "%Y-%m"))
        else:  # a load that cannot be placed in time: its tables changed everywhere
            changed(BILLING_TABLES + TELEMETRY_TABLES, EVERYWHERE)
    return changes
