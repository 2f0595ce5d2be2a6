"""Run the sql/ models on a parquet store with DuckDB or with Spark: one set of models, two
engines, the same tables written back to the store.

Both read the store's loaded tables with the columns and types the DuckDB warehouse declares,
write each table model to a staging folder and swap it in, and read it back from there for the
models downstream. Views are never written: they are registered and computed where read.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aispend.config import AispendConfig, SparkConfig
from aispend.store.ddl import column_type
from aispend.store.layout import LOADED, PARTITION_TYPES, model_layout
from aispend.store.objects import LocalStore, ObjectStore
from aispend.store.tables import (
    attach,
    attach_model,
    declared_tables,
    model_tables,
    store_connection,
)
from dbt_like import CheckResult, SqlNode, run_check, spark_runner
from dbt_like.project import RANGE_START
from dbt_like.runner import model_params, table_digest
from dbt_like.spark_sql import view_name


class Engine(Protocol):
    def refresh(self, tables: list[str]) -> None:
        """Read ``tables`` again from the store (loads may have replaced partitions)."""
        ...

    def run_model(
        self, node: SqlNode, params: Mapping[str, Any], since: datetime | None = None
    ) -> int | None:
        """Build ``node``; with ``since`` an incremental model keeps its rows before then and
        computes the rest (the table is still written whole: a store swaps folders)."""
        ...

    def run_check(self, node: SqlNode, params: Mapping[str, Any]) -> CheckResult: ...

    def digest(self, table: str) -> str | None:
        """The table's rows summed up order-free; None when it is not built."""
        ...

    def row_count(self, table: str) -> int: ...

    def close(self) -> None: ...


class DuckDBStoreEngine:
    """DuckDB in memory over the store's files: the default engine when ``store:`` is set."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.con = store_connection(store)

    def refresh(self, tables: list[str]) -> None:
        if any(name in LOADED for name in tables):
            attach(self.con, self.store)  # an empty table may have got its first partition

    def run_model(
        self, node: SqlNode, params: Mapping[str, Any], since: datetime | None = None
    ) -> int | None:
        schema = node.name.split(".")[0]
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        values = model_params(node, params, since) or None
        if node.incremental_by and since is not None:
            node = replace(
                node,
                sql=f"SELECT * FROM {node.name} WHERE {node.incremental_by} < "
                f"{_tail_start(node)}\n"
                f"UNION ALL BY NAME\nSELECT * FROM (\n{node.sql}\n)",
            )
        if node.materialized == "view":
            self.con.execute(f"CREATE OR REPLACE VIEW {node.name} AS\n{node.sql}", values)
            return None
        layout = model_layout(node.name, node.partition_by)
        if isinstance(self.store, LocalStore):
            staged = self.store.staging_prefix()
            self._copy(node, values, self.store.root / staged)
            self.store.swap_folder(staged, layout.prefix)
        else:
            with tempfile.TemporaryDirectory(prefix="aispend-model-") as folder:
                self._copy(node, values, Path(folder) / "table")
                self.store.replace_folder(Path(folder) / "table", layout.prefix)
        attach_model(self.con, self.store, node.name)
        rows = self.con.execute(f"SELECT count(*) FROM {node.name}").fetchall()
        return int(rows[0][0])

    def _copy(self, node: SqlNode, values: dict[str, Any] | None, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if node.partition_by:
            target = str(folder)
            options = f"PARTITION_BY ({', '.join(node.partition_by)}), OVERWRITE_OR_IGNORE"
        else:
            target, options = str(folder / "part-0.parquet"), ""
        self.con.execute(
            f"COPY (\n{node.sql}\n) TO '{target}' (FORMAT parquet"
            f"{', ' + options if options else ''})",
            values,
        )
        if not any(folder.rglob("*.parquet")):  # no rows, so no partition: keep the schema
            self.con.execute(
                f"COPY (SELECT * FROM (\n{node.sql}\n) LIMIT 0) TO "
                f"'{folder / 'part-0.parquet'}' (FORMAT parquet)",
                values,
            )

    def run_check(self, node: SqlNode, params: Mapping[str, Any]) -> CheckResult:
        return run_check(self.con, node, params)

    def digest(self, table: str) -> str | None:
        return table_digest(self.con, table)

    def row_count(self, table: str) -> int:
        found = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(found[0]) if found else 0

    def close(self) -> None:
        self.con.close()


def spark_session(settings: SparkConfig) -> Any:
    """One SparkSession per process (Spark allows no more); settings from the config's
    ``spark:``. The session is UTC, as every timestamp in the warehouse is, and partition
    values stay text (a billing period such as 2026-01 is not a date)."""
    return _session(settings.model_dump_json(exclude_unset=True))


_LOG4J = Path(__file__).with_name("spark-log4j2.properties")


@cache
def _session(settings_json: str) -> Any:
    warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")  # pandas 3
    from pyspark.sql import SparkSession

    settings = SparkConfig.model_validate_json(settings_json)
    session_settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    }
    if settings.remote:
        # A Spark Connect client: the server owns the driver, its logs and its UI; only session
        # settings travel, and they apply to this client's session alone.
        builder = SparkSession.builder.remote(settings.remote)
        for key, value in {**session_settings, **settings.conf}.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()  # settings the server refuses are dropped silently
        refused = {
            key: session.conf.get(key, None)
            for key, value in session_settings.items()
            if session.conf.get(key, None) != value
        }
        if refused:
            raise RuntimeError(
                f"the Spark Connect server at {settings.remote} kept {refused}; "
                f"aispend's models need {session_settings}"
            )
        return session
    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    builder = builder.config("spark.ui.showConsoleProgress", "false")  # bars in job logs
    if "spark.driver.extraJavaOptions" not in settings.conf:  # errors only, from the start
        builder = builder.config(
            "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{_LOG4J}"
        )
    for key, value in {**session_settings, **settings.conf}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(settings.conf.get("aispend.log_level", "ERROR"))
    return session


class SparkEngine:
    """Each model transpiled to Spark SQL (dbt_like.spark_sql) and run on a SparkSession."""

    def __init__(self, store: ObjectStore, settings: SparkConfig) -> None:
        self.store = store
        self.spark = spark_session(settings)
        self.refresh([*LOADED, *model_tables(store)])

    def refresh(self, tables: list[str]) -> None:
        """Spark lists a table's files when it is registered: re-register to see new loads."""
        declared = declared_tables()
        for name in tables:
            if name in LOADED:
                self._register_loaded(name, declared[name], LOADED[name].partition_by)
            elif self.store.keys(model_layout(name).prefix):
                self._register_model(name)

    def _register_loaded(
        self, name: str, columns: list[tuple[str, str]], partition_by: tuple[str, ...]
    ) -> None:
        prefix = LOADED[name].prefix
        types = {c: column_type(t, "spark") for c, t in columns}
        if self.store.keys(prefix):
            path = self.store.location(prefix)
            frame = self.spark.read.option("basePath", path).parquet(path)
            present = set(frame.columns)
            select = [
                f"CAST(`{c}` AS {column_type(PARTITION_TYPES.get(c, 'VARCHAR'), 'spark')}) AS `{c}`"
                if c in partition_by
                else (
                    f"CAST(`{c}` AS {types[c]}) AS `{c}`"
                    if c in present
                    else f"CAST(NULL AS {types[c]}) AS `{c}`"
                )
                for c, _ in columns
            ]
            frame = frame.selectExpr(*select)
        else:
            schema = ", ".join(f"`{c}` {t}" for c, t in types.items())
            frame = self.spark.createDataFrame([], schema=schema)
        frame.createOrReplaceTempView(view_name(name))

    def _register_model(self, name: str) -> None:
        path = self.store.location(model_layout(name).prefix)
        frame = self.spark.read.option("basePath", path).parquet(path)
        frame.createOrReplaceTempView(view_name(name))

    def run_model(
        self, node: SqlNode, params: Mapping[str, Any], since: datetime | None = None
    ) -> int | None:
        frame = _naive_timestamps(spark_runner.model_frame(self.spark, node, params, since))
        if node.incremental_by and since is not None:
            kept = self.spark.table(view_name(node.name)).where(
                f"`{node.incremental_by}` < "
                + (
                    f"'{since:%Y-%m}'"
                    if node.by_month
                    else f"TIMESTAMP_NTZ'{since.isoformat(sep=' ')}'"
                )
            )
            frame = kept.unionByName(frame)
        if node.materialized == "view":
            frame.createOrReplaceTempView(view_name(node.name))
            return None
        layout = model_layout(node.name, node.partition_by)
        staged = self.store.staging_prefix()
        writer = frame.write.mode("overwrite")
        if node.partition_by:
            writer = writer.partitionBy(*node.partition_by)
        writer.parquet(self.store.location(staged))
        if not self.store.keys(staged):  # no rows, so no partition: keep the schema
            frame.limit(0).write.mode("overwrite").parquet(self.store.location(staged))
        self.store.swap_folder(staged, layout.prefix)
        self._register_model(node.name)
        return int(self.spark.table(view_name(node.name)).count())

    def run_check(self, node: SqlNode, params: Mapping[str, Any]) -> CheckResult:
        return spark_runner.run_check(self.spark, node, params)

    def row_count(self, table: str) -> int:
        return int(self.spark.table(view_name(table)).count())

    def digest(self, table: str) -> str | None:
        if not self.spark.catalog.tableExists(view_name(table)):
            return None
        row = self.spark.sql(
            f"SELECT count(*), sum(CAST(xxhash64(*) AS DECIMAL(38, 0))) FROM {view_name(table)}"
        ).first()
        return repr(tuple(row))

    def close(self) -> None:
        return None  # the session is shared by the process; Spark stops it at exit


def _tail_start(node: SqlNode) -> str:
    """``$range_start`` as an incremental model's time column holds it: a time or a month."""
    return f"strftime(${RANGE_START}, '%Y-%m')" if node.by_month else f"${RANGE_START}"


def _naive_timestamps(frame: Any) -> Any:
    """Spark's session-zone timestamps as zone-less UTC ones, as the DuckDB engine writes."""
    from pyspark.sql.types import TimestampType

    for field in frame.schema.fields:
        if isinstance(field.dataType, TimestampType):
            frame = frame.withColumn(field.name, frame[field.name].cast("timestamp_ntz"))
    return frame


_ENGINES: dict[str, Engine] = {}


def open_engine(config: AispendConfig, store: ObjectStore) -> Engine:
    """The engine the config names, over ``store``; one per process and config (a Spark
    engine costs a session and a listing of every table)."""
    key = f"{config.engine}:{store.uri}:{config.spark.model_dump_json()}"
    if key not in _ENGINES:
        _ENGINES[key] = (
            SparkEngine(store, config.spark)
            if config.engine == "spark"
            else DuckDBStoreEngine(store)
        )
    return _ENGINES[key]
