"""Run models and checks on a DuckDB connection with their parameters bound, never formatted in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from dbt_like.plan import BEGINNING
from dbt_like.project import RANGE_START, Project, ProjectError, SqlNode


@dataclass
class CheckResult:
    name: str
    severity: str
    failures: int
    columns: list[str] = field(default_factory=list)
    sample: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failures == 0


def bind(node: SqlNode, params: Mapping[str, Any]) -> dict[str, Any]:
    missing = sorted(node.params - params.keys())
    if missing:
        raise ProjectError(f"{node.path}: no value for parameter(s) {', '.join(missing)}")
    return {name: params[name] for name in node.params}


def model_params(
    node: SqlNode, params: Mapping[str, Any], since: datetime | None = None
) -> dict[str, Any]:
    """``params`` bound for ``node``; an incremental model's ``$range_start`` is ``since``, or
    the beginning of time when it is built whole."""
    return bind(node, {**params, RANGE_START: since or BEGINNING})


def tail_start(node: SqlNode, since: datetime) -> datetime | str:
    """What an incremental model's time column is compared with: the time, or its month."""
    return since.strftime("%Y-%m") if node.by_month else since


def run_model(
    con: duckdb.DuckDBPyConnection,
    node: SqlNode,
    params: Mapping[str, Any],
    since: datetime | None = None,
) -> int | None:
    """(Re)build one model; returns its row count, or None for a view: a view is computed
    when it is read, and counting it would compute it once more for nothing. With ``since``
    an incremental model keeps its rows before then and replaces the rest, in one transaction.
    """
    schema = node.name.split(".")[0]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    kind = "VIEW" if node.materialized == "view" else "TABLE"
    values = model_params(node, params, since)
    if node.incremental_by and since is not None:
        con.begin()
        try:
            con.execute(
                f"DELETE FROM {node.name} WHERE {node.incremental_by} >= ?",
                [tail_start(node, since)],
            )
            con.execute(f"INSERT INTO {node.name} BY NAME\n{node.sql}", values)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    else:
        _drop_other_kind(con, node.name, kind)
        con.execute(f"CREATE OR REPLACE {kind} {node.name} AS\n{node.sql}", values or None)
    if kind == "VIEW":
        return None
    rows = con.execute(f"SELECT count(*) FROM {node.name}").fetchall()
    return int(rows[0][0]) if rows else 0


def object_type(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'VIEW', 'BASE TABLE' or None: what ``schema.table`` is on ``con``."""
    schema, table = name.split(".")
    row = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = ? "
        "AND table_name = ?",
        [schema, table],
    ).fetchone()
    return str(row[0]) if row else None


def _drop_other_kind(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> None:
    """A model that was a view and is now a table (or the reverse) replaces the old object."""
    found = object_type(con, name)
    if found and (found == "VIEW") != (kind == "VIEW"):
        con.execute(f"DROP {'VIEW' if found == 'VIEW' else 'TABLE'} {name}")


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The table's rows summed up order-free (count and the sum of each row's hash); None
    when there is no such table."""
    try:
        row = con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} AS t").fetchone()
    except duckdb.CatalogException:
        return None
    return repr(row)


def run_models(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    params: Mapping[str, Any],
    select: Iterable[str] | None = None,
) -> list[tuple[str, int | None]]:
    wanted = set(select) if select is not None else None
    return [
        (node.name, run_model(con, node, params))
        for node in project.ordered()
        if wanted is None or node.name in wanted
    ]


def run_check(
    con: duckdb.DuckDBPyConnection, node: SqlNode, params: Mapping[str, Any], sample: int = 5
) -> CheckResult:
    """A check passes when its query returns no rows; the first few offenders are kept."""
    cursor = con.execute(f"SELECT * FROM (\n{node.sql}\n) AS offenders", bind(node, params) or None)
    columns = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    return CheckResult(node.name, node.severity, len(rows), columns, rows[:sample])
