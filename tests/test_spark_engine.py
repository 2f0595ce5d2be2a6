"""engine: spark builds the bundled demo scenario on a parquet store with the same answers, to
the cent, as DuckDB builds in its own file; `aispend sql` reads the store read-only."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import duckdb
import yaml

from aispend.cli.run import run_pipeline
from aispend.config import load_config
from aispend.demo import demo_config
from aispend.store.objects import open_store
from aispend.store.tables import read_only

CONFORMANCE = Path(__file__).parent / "data" / "conformance"
#: Small shuffles and no UI: local mode on a 2-core CI machine; databases made by tests (`aispend
#: ddl`) live in the temporary folder, not in the working directory.
SPARK = {
    "conf": {
        "spark.sql.shuffle.partitions": "2",
        "spark.ui.enabled": "false",
        "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "aispend-spark"),
    }
}


def write_demo_config(folder: Path, *, model_spend: bool = False, **extra: Any) -> Path:
    sources = [s.model_dump(exclude_defaults=True) for s in demo_config().sources]
    # model spend, so marts.ai_usage and staging.ai_cloud_lines are compared with rows in them
    sources += model_spend * [
        {"name": f"ai_{kind}", "kind": kind, "path": str(CONFORMANCE / folder)}
        for kind, folder in [
            ("openai", "openai/grouped"),
            ("anthropic", "anthropic/grouped"),
            ("aws_cur", "aws_cur/bedrock"),
            ("gcp_billing", "gcp_billing/vertex_ai"),
            ("azure_cost", "azure_cost/azure_openai"),
        ]
    ]
    path = folder / "aispend.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"warehouse": "wh.duckdb", "sources": sources, **extra}))
    return path


def normalized(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Money to the cent, other numbers to 1e-6 (float sums differ in the last bits by the
    order they are added in), then sorted: tables have no row order."""

    def one(value: Any) -> Any:
        if isinstance(value, D):
            return value.quantize(D("0.01"))
        if isinstance(value, float):
            return round(value, 6)
        return value

    return sorted((tuple(one(v) for v in row) for row in rows), key=repr)


def assert_same_tables(file_path: Path, store_path: Path, model_spend: bool = False) -> None:
    """Every model table of the DuckDB file, row for row, in the parquet store."""
    file = duckdb.connect(str(file_path), read_only=True)
    store = read_only(open_store(str(store_path)))
    tables = [
        r[0]
        for r in file.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('marts', 'staging') "
            "and table_name not in ('cost_lines', 'budget_status') order by 1"
        ).fetchall()
        if model_spend or r[0] != "marts.ai_usage"
    ]
    assert len(tables) == 19 + model_spend and "marts.energy" in tables
    for table in tables:
        columns = ", ".join(f'"{r[0]}"' for r in file.execute(f"describe {table}").fetchall())
        query = f"select {columns} from {table}"
        expected = normalized(file.execute(query).fetchall())
        assert expected, f"{table} is empty: the comparison would prove nothing"
        assert normalized(store.execute(query).fetchall()) == expected, table
    file.close()
    store.close()


def build_with_duckdb(folder: Path, model_spend: bool = False) -> Path:
    """The demo scenario built by the default engine; returns the DuckDB file."""
    lines: list[str] = []
    config = load_config(write_demo_config(folder, model_spend=model_spend))
    assert run_pipeline(config, None, lines.append, progress=False).ok, lines
    return config.warehouse_path


def test_duckdb_and_spark_build_identical_marts(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    duck_file = build_with_duckdb(tmp_path / "duckdb", model_spend=True)
    spark_path = write_demo_config(
        tmp_path / "spark", model_spend=True, store="store", engine="spark", spark=SPARK
    )
    spark = load_config(spark_path)
    summary = run_pipeline(spark, None, lines.append, progress=False)
    assert summary.ok, lines
    assert summary.passed_checks >= 8  # per-source checks beside the loads, model checks on Spark
    assert_same_tables(duck_file, tmp_path / "spark" / "store", model_spend=True)

    # Ad hoc SQL on the store Spark built: the hand-worked answers of the scenario's README.
    result = cli(
        "--config",
        str(spark_path),
        "sql",
        "--format",
        "json",
        "select run_name, gpu_hours, cost, idle_cost, on_spot from marts.run_cost order by run_id",
    )
    assert result.exit_code == 0, result.output
    assert [
        tuple(
            D(str(v)) if isinstance(v, float | int) and not isinstance(v, bool) else v
            for v in row.values()
        )
        for row in json.loads(result.output)
    ] == [
        ("llm-pretrain", 64, 160, 20, False),
        ("eval-a", 16, 40, 10, False),
        ("eval-b", 16, 40, 10, False),
        ("llm-finetune", 44, 198, 0, True),
        ("finetune-x", 20, D("27.5"), None, False),
    ]
    refused = cli(
        "--config", str(spark_path), "sql", f"copy (select 1) to '{tmp_path / 'out.csv'}'"
    )
    assert refused.exit_code != 0 and "read-only" in refused.output
    assert not (tmp_path / "out.csv").exists()
