"""`aispend ddl`: the statements that register a store's tables elsewhere. Spark's are run on a
local SparkSession and queried; Trino's and Athena's are checked for what they must name."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import sqlglot

from aispend.config import SparkConfig
from aispend.store.engines import spark_session
from tests.test_spark_engine import SPARK, write_demo_config


def ddl(cli, config: Path, dialect: str, database: str) -> list[str]:  # type: ignore[no-untyped-def]
    result = cli("--config", str(config), "ddl", "--dialect", dialect, "--database", database)
    assert result.exit_code == 0, result.output
    return [s for s in result.output.split(";\n") if s.strip()]


def test_spark_queries_the_store_through_the_generated_tables(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = write_demo_config(tmp_path, store="lake")
    assert cli("--config", str(config), "run").exit_code == 0
    spark = spark_session(SparkConfig.model_validate(SPARK))
    for statement in ddl(cli, config, "spark", "ddl_test"):
        spark.sql(statement)
    totals = dict(
        spark.sql(
            "SELECT x_source, sum(billed_cost) FROM ddl_test.cost_lines GROUP BY x_source"
        ).collect()
    )
    assert totals["scenario_bill"] == D("777.50")  # the scenario README's bill, worked by hand
    [row] = spark.sql(
        "SELECT cost, idle_cost FROM ddl_test.marts_run_cost WHERE run_name = 'llm-pretrain'"
    ).collect()
    assert (row[0], row[1]) == (D(160), D(20))
    periods = {
        r[0]
        for r in spark.sql("SELECT DISTINCT billing_period FROM ddl_test.marts_savings").collect()
    }
    assert "2026-10" in periods  # a model partitioned by its header's partition_by
    samples = spark.sql("SELECT count(*) FROM ddl_test.telemetry_gpu_samples").collect()
    assert samples[0][0] == 11520 + 2640  # the data lines of train-a.csv and train-b.csv


def test_trino_and_athena_statements_name_the_partitions_and_parse(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = write_demo_config(tmp_path, store="lake")
    assert cli("--config", str(config), "run").exit_code == 0
    trino = ddl(cli, config, "trino", "finops")
    cost_lines = next(s for s in trino if "hive.finops.cost_lines (" in s)
    assert "partitioned_by = ARRAY['x_billing_period', 'x_source']" in cost_lines
    assert cost_lines.index('"x_billing_period" VARCHAR') > cost_lines.index('"billed_cost"')
    assert '"billed_cost" DECIMAL(38, 10)' in cost_lines and "MAP(VARCHAR, VARCHAR)" in cost_lines
    assert "CALL hive.system.sync_partition_metadata('finops', 'cost_lines', 'FULL')" in trino
    athena = ddl(cli, config, "athena", "finops")
    external = next(s for s in athena if "finops.cost_lines (" in s)
    assert "PARTITIONED BY (`x_billing_period` STRING, `x_source` STRING)" in external
    assert "`x_source` STRING," not in external.split("PARTITIONED BY")[0]
    assert "MAP<STRING, STRING>" in external
    for statement in [*trino, *athena]:
        if not statement.startswith(("CALL", "MSCK")):
            sqlglot.parse_one(statement, read="trino" if statement in trino else "athena")
