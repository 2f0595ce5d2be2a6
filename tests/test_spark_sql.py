"""The DuckDB-to-Spark seam: each rewrite gives, on Spark, the value DuckDB gives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from aispend.config import SparkConfig
from aispend.store.engines import spark_session
from dbt_like import discover
from dbt_like.spark_sql import to_spark
from tests.test_spark_engine import SPARK

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"


def test_epoch_and_to_timestamp_are_rewritten_not_left_to_sqlglot() -> None:
    out = to_spark(
        "select epoch(l.ts), to_timestamp(h) at time zone 'UTC' from marts.cost_lines as l"
    )
    assert "UNIX_MICROS(CAST(l.ts AS TIMESTAMP))" in out and "UNIX_TIMESTAMP" not in out
    assert "TIMESTAMP_SECONDS(h)" in out and "FROM_UNIXTIME" not in out
    assert "FROM marts__cost_lines AS l" in out


def test_every_model_and_check_transpiles() -> None:
    project = discover(SQL_DIR)
    for node in [*project.models.values(), *project.checks]:
        tree = sqlglot.parse_one(to_spark(node.sql), read="spark")
        tables = [t for t in tree.find_all(exp.Table) if t.name]
        assert tables and not any(t.db for t in tables), node.name


EPOCH = datetime(2026, 10, 14, 10, 0, tzinfo=UTC).timestamp() + 0.25

CASES: list[tuple[str, str, list[tuple[Any, ...]]]] = [
    (
        "epoch keeps a quarter second",
        "select epoch(cast('2026-10-14 10:00:00.250' as timestamp)) as v",
        [(EPOCH,)],
    ),
    (
        "to_timestamp at UTC is the naive UTC instant",
        "select to_timestamp(7200) at time zone 'UTC' as v",
        [(datetime(1970, 1, 1, 2, 0),)],
    ),
    (
        "hours a span touches",
        "select h.i from (select 3600.5 as a, 10800.0 as b) as t "
        "cross join unnest(range(cast(floor(t.a / 3600) as bigint), "
        "cast(ceil(t.b / 3600) as bigint))) as h (i) order by h.i",
        [(1,), (2,)],
    ),
    (
        "an empty span touches no hour",
        "select h.i from (select 7200.0 as a, 7200.0 as b) as t "
        "cross join unnest(range(cast(floor(t.a / 3600) as bigint), "
        "cast(ceil(t.b / 3600) as bigint))) as h (i)",
        [],
    ),
    (
        "median of an even count is the mean of the middle two",
        "select median(x) as v from (select 1.0 as x union all select 2.0 union all "
        "select 3.0 union all select 10.0) as t",
        [(2.5,)],
    ),
    (
        "nulls are not distinct",
        "select count(*) as n from (select cast(null as varchar) as a, cast(null as varchar) as b)"
        " as t where t.a is not distinct from t.b",
        [(1,)],
    ),
    (
        "least and greatest of several",
        "select least(5, 3, 4) as lo, greatest(5, 3, 9) as hi",
        [(3, 9)],
    ),
]


@pytest.mark.parametrize(
    ("sql", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_spark_gives_what_duckdb_gives(sql: str, expected: list[tuple[Any, ...]]) -> None:
    assert duckdb.sql(sql).fetchall() == expected
    spark = spark_session(SparkConfig.model_validate(SPARK))
    assert [tuple(row) for row in spark.sql(to_spark(sql)).collect()] == expected


def test_models_prints_a_model_as_spark_runs_it(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("models", "--spark-sql", "staging.run_hour_cost")
    assert result.exit_code == 0, result.output
    assert "FROM staging__gpu_billed_hours" in result.output
    assert "UNIX_MICROS" in result.output and "EXPLODE(" in result.output
    missing = cli("models", "--spark-sql", "marts.nope")
    assert missing.exit_code != 0 and "no model named 'marts.nope'" in missing.output
