"""Run models and checks on a SparkSession: each transpiled by the seam (spark_sql.py), its
``$name`` parameters bound as Spark's named markers, never formatted in.

The tables a model reads must be registered as temporary views named ``schema__table``; what
to do with a model's result (write it, register it) is the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dbt_like.project import SqlNode
from dbt_like.runner import CheckResult, model_params
from dbt_like.spark_sql import to_spark


def model_frame(
    spark: Any, node: SqlNode, params: Mapping[str, Any], since: datetime | None = None
) -> Any:
    """The model's result as a (lazy) Spark DataFrame (an incremental model's from ``since``)."""
    return spark.sql(to_spark(node.sql), args=model_params(node, params, since))


def run_check(spark: Any, node: SqlNode, params: Mapping[str, Any], sample: int = 5) -> CheckResult:
    """A check passes when its query returns no rows; the first few offenders are kept."""
    frame = model_frame(spark, node, params)
    rows = [tuple(row) for row in frame.collect()]
    return CheckResult(node.name, node.severity, len(rows), list(frame.columns), rows[:sample])
