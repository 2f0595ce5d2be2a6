"""The seam between the models' DuckDB SQL and Spark SQL: sqlglot transpiles, and the few
DuckDB functions whose Spark translation would change an answer are rewritten here first.

- ``epoch(ts)``: sqlglot writes ``UNIX_TIMESTAMP``, which drops fractions of a second (and
  samples come every few hundred milliseconds); here it is ``UNIX_MICROS`` / 1e6, a double, as
  DuckDB returns.
- ``to_timestamp(s) AT TIME ZONE 'UTC'``: sqlglot goes through ``FROM_UNIXTIME``, a string in
  whole seconds; here it is ``TIMESTAMP_SECONDS`` as a zone-less timestamp (the session is UTC).
- ``schema.table`` names become ``schema__table``: the engine registers each table as a
  temporary view, which Spark does not let live in a database.

Everything else (``unnest(range(..))`` to ``explode(sequence(..))``, ``median``, ``x IS NOT
DISTINCT FROM y``, map subscripts, ``$name`` parameters as ``:name``) is sqlglot's own.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from dbt_like.project import DIALECT


def view_name(table: str) -> str:
    """``marts.cost_lines`` as the Spark engine registers it."""
    return table.replace(".", "__")


def to_spark(sql: str, pretty: bool = False) -> str:
    tree = sqlglot.parse_one(sql, read=DIALECT)
    return tree.transform(_rewrite).sql(dialect="spark", pretty=pretty)


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.TimeToUnix):
        micros = exp.Anonymous(
            this="UNIX_MICROS", expressions=[exp.cast(node.this.copy(), "TIMESTAMP")]
        )
        return exp.Div(this=exp.cast(micros, "DOUBLE"), expression=exp.Literal.number(1000000))
    if (
        isinstance(node, exp.AtTimeZone)
        and isinstance(node.this, exp.UnixToTime)
        and node.args.get("zone")
        and node.args["zone"].name.upper() == "UTC"
    ):
        return _timestamp_seconds(node.this.this)
    if isinstance(node, exp.UnixToTime):
        return _timestamp_seconds(node.this)
    if isinstance(node, exp.Table) and node.db and not node.catalog:
        renamed = exp.to_identifier(view_name(f"{node.db}.{node.name}"))
        table = exp.Table(this=renamed)
        if node.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(node.alias)))
        return table
    return node


def _timestamp_seconds(seconds: exp.Expression) -> exp.Expression:
    instant = exp.Anonymous(this="TIMESTAMP_SECONDS", expressions=[seconds.copy()])
    return exp.cast(instant, exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
