"""Find SQL models and checks, read their headers, and work out dependencies from the SQL itself.

A model file holds one statement after a header of ``-- key: value`` lines:
``model`` (schema.name), ``grain``, ``materialized`` (table | view), an optional ``description``
and ``partition_by`` (the columns a parquet store partitions the table by). An incremental model
names its time column in ``incremental_by`` (a TIMESTAMP or DATE, or a billing period written
``YYYY-MM``: ``billing_period (month)``) and may give a ``lookback`` (``1 day``):
its SQL writes only rows at ``$range_start`` or later, so the runner can replace that tail
alone (dbt_like/plan.py says which tail). ``timeless: true`` marks a model whose rows are not
placed in time (a mapping of hosts to resources).
A check file (under ``checks/``) has ``check``, ``severity`` (error | warn) and optionally
``asset``, the table it guards. Dependencies are the tables a statement reads, found with
sqlglot, so a header can never disagree with the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp

DIALECT = "duckdb"
_HEADER = re.compile(r"^--\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_INCREMENTAL = re.compile(r"^([a-z_][a-z0-9_]*)(?:\s*\((month)\))?$")
_LOOKBACK = re.compile(r"^(\d+)\s+(day|hour)s?$")
#: the parameter an incremental model's SQL filters its output by
RANGE_START = "range_start"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class ProjectError(Exception):
    """A SQL file the runner cannot use; the message names the file."""


@dataclass(frozen=True)
class SqlNode:
    name: str
    kind: str  # model | check
    path: Path
    sql: str
    refs: frozenset[str]
    params: frozenset[str]
    materialized: str = "table"
    grain: str | None = None
    description: str | None = None
    severity: str = "error"
    asset: str | None = None
    #: columns a parquet store partitions the table by (``-- partition_by: billing_period``)
    partition_by: tuple[str, ...] = ()
    #: the TIMESTAMP column an incremental model is rebuilt by (``-- incremental_by: ts``)
    incremental_by: str | None = None
    #: that column holds billing periods as ``YYYY-MM`` text (``-- incremental_by: x (month)``):
    #: the model is rebuilt from the first of a month
    by_month: bool = False
    #: how far before the earliest changed input the tail starts (``-- lookback: 1 day``)
    lookback: timedelta = timedelta(0)
    #: rows not placed in time (``-- timeless: true``): a change may change any reader's rows
    timeless: bool = False


@dataclass
class Project:
    models: dict[str, SqlNode]
    checks: list[SqlNode]

    def dependencies(self, node: SqlNode) -> list[str]:
        """The models ``node`` reads (other tables it reads are loaded by pipelines)."""
        return sorted(ref for ref in node.refs if ref in self.models and ref != node.name)

    def external_tables(self, node: SqlNode) -> list[str]:
        return sorted(ref for ref in node.refs if ref not in self.models)

    def ordered(self) -> list[SqlNode]:
        graph = {name: self.dependencies(node) for name, node in self.models.items()}
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise ProjectError(f"models depend on each other in a cycle: {exc.args[1]}") from exc
        return [self.models[name] for name in order]

    def check_target(self, check: SqlNode) -> str:
        """The table a check guards: its ``asset`` header, else the first model it reads."""
        if check.asset:
            return check.asset
        reads = [ref for ref in sorted(check.refs) if ref in self.models]
        if reads:
            return reads[0]
        return sorted(check.refs)[0]


def discover(sql_dir: Path) -> Project:
    models: dict[str, SqlNode] = {}
    checks: list[SqlNode] = []
    for path in sorted(sql_dir.rglob("*.sql")):
        node = parse_file(path, is_check=path.parent.name == "checks")
        if node.kind == "check":
            checks.append(node)
        elif node.name in models:
            other = models[node.name].path
            raise ProjectError(f"{path}: model {node.name} is also defined in {other}")
        else:
            models[node.name] = node
    return Project(models, checks)


def parse_file(path: Path, *, is_check: bool) -> SqlNode:
    text = path.read_text(encoding="utf-8")
    header = _read_header(text)
    key = "check" if is_check else "model"
    name = header.get(key)
    if not name:
        raise ProjectError(f"{path}: the header must start with '-- {key}: <name>'")
    if not is_check and not _NAME.match(name):
        raise ProjectError(f"{path}: model name {name!r} must be schema.table in lower case")
    try:
        statements = [s for s in sqlglot.parse(text, read=DIALECT) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise ProjectError(f"{path}: SQL does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ProjectError(f"{path}: expected exactly one statement, found {len(statements)}")
    tree = statements[0]
    # Models are always schema-qualified; an unqualified name is a CTE or an alias.
    refs = frozenset(f"{t.db}.{t.name}" for t in tree.find_all(exp.Table) if t.db)
    params = frozenset(p.name for p in tree.find_all(exp.Placeholder) if p.name)
    materialized = header.get("materialized", "table")
    if materialized not in ("table", "view"):
        raise ProjectError(f"{path}: materialized must be 'table' or 'view', not {materialized!r}")
    if materialized == "view" and params:
        raise ProjectError(f"{path}: a view cannot take parameters ({', '.join(sorted(params))})")
    incremental = _INCREMENTAL.match(header.get("incremental_by", ""))
    if header.get("incremental_by") and not incremental:
        raise ProjectError(f"{path}: incremental_by must be a column, or 'column (month)'")
    incremental_by = incremental.group(1) if incremental else None
    lookback = _lookback(path, header.get("lookback", ""))
    if incremental_by and (materialized != "table" or RANGE_START not in params):
        raise ProjectError(
            f"{path}: an incremental model is a table whose SQL keeps to ${RANGE_START}"
        )
    severity = header.get("severity", "error")
    if severity not in ("error", "warn"):
        raise ProjectError(f"{path}: severity must be 'error' or 'warn', not {severity!r}")
    return SqlNode(
        name=name,
        kind=key,
        path=path,
        sql=text.strip().rstrip(";"),
        refs=refs,
        params=params,
        materialized=materialized,
        grain=header.get("grain"),
        description=header.get("description"),
        severity=severity,
        asset=header.get("asset"),
        partition_by=tuple(
            c.strip() for c in header.get("partition_by", "").split(",") if c.strip()
        ),
        incremental_by=incremental_by,
        by_month=bool(incremental and incremental.group(2)),
        lookback=lookback,
        timeless=header.get("timeless", "false") == "true",
    )


def _lookback(path: Path, text: str) -> timedelta:
    if not text:
        return timedelta(0)
    match = _LOOKBACK.match(text)
    if not match:
        raise ProjectError(f"{path}: lookback must read like '1 day' or '6 hours', not {text!r}")
    return timedelta(**{f"{match.group(2)}s": int(match.group(1))})


def _read_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _HEADER.match(line.strip())
        if not match:
            break
        header[match.group(1)] = match.group(2)
    return header
