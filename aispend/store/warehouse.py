"""The warehouse as a parquet store (a folder or s3:// prefix): partitions written side by side
by any number of loads, models built by DuckDB or Spark, read by anything that reads parquet.

See aispend/storage.py for the seam this implements, and objects.py, layout.py, tables.py for
the store itself.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from aispend.billing_load import LoadResult, changed_periods
from aispend.config import AispendConfig, SourceConfig
from aispend.storage import ModelBuild, TelemetryLoad
from aispend.store.ddl import statements
from aispend.store.engines import Engine, open_engine
from aispend.store.layout import REWRITTEN
from aispend.store.loads import (
    load_billing_to_store,
    load_telemetry_to_store,
    record_files,
    record_model_build,
    write_config_tables,
)
from aispend.store.objects import ObjectStore, open_store
from aispend.store.tables import drop, read_only, replace_table, store_connection
from aispend.telemetry_load import telemetry_fingerprints
from connectors.discovery import Discovery
from connectors.errors import InputProblem
from connectors.files import FileRef
from dbt_like import CheckResult, Project, SqlNode


class StoreWarehouse:
    parallel_loads = True

    def __init__(self, config: AispendConfig, uri: str):
        self.config = config
        self.uri = uri

    @cached_property
    def store(self) -> ObjectStore:
        """Opened on first use: building the Dagster definitions asks only whether loads may
        run in parallel, which needs no S3 client."""
        return open_store(self.uri)

    def describe(self) -> str:
        return f"parquet store {self.uri} (engine: {self.config.engine})"

    def reader(self) -> duckdb.DuckDBPyConnection:
        return read_only(self.store)

    @contextmanager
    def latest(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = store_connection(self.store)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def write_session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The two small tables budgets rewrite are loaded into the session as real tables and
        written back whole, each in one swap, when the session ends without error."""
        con = store_connection(self.store)
        try:
            for table in REWRITTEN:
                con.execute(f"CREATE TABLE {table}__rows AS SELECT * FROM {table}")
                drop(con, table)
                con.execute(f"ALTER TABLE {table}__rows RENAME TO {table.split('.')[1]}")
            yield con
            with tempfile.TemporaryDirectory(prefix="aispend-session-") as folder:
                for table in REWRITTEN:
                    replace_table(con, table, self.store, Path(folder))
        finally:
            con.close()

    def load_billing(self, source: SourceConfig, period: str) -> LoadResult:
        return load_billing_to_store(self.config, source, period, self.store)

    def load_telemetry(
        self, source: SourceConfig, days: set[str] | None, changed_only: bool = False
    ) -> TelemetryLoad:
        known = self.telemetry_fingerprints(source.name) if changed_only else None
        return load_telemetry_to_store(self.config, source, self.store, days, known)

    def telemetry_fingerprints(self, source: str) -> dict[str, str]:
        with self.latest() as con:
            return telemetry_fingerprints(con, source)

    def record_unreadable(self, source: SourceConfig, problems: list[InputProblem]) -> None:
        """Not kept in the store's load history yet: the run and the Dagster step name them."""

    def write_config_tables(self) -> dict[str, int]:
        return write_config_tables(self.config, self.store)

    def record_model_build(self, fingerprint: str) -> None:
        record_model_build(self.store, fingerprint)

    def record_files(self, source: str, period: str, files: list[FileRef]) -> None:
        record_files(self.store, source, period, files)

    def model_engine(self) -> Engine:
        return open_engine(self.config, self.store)

    def build_model(
        self,
        project: Project,
        node: SqlNode,
        params: Mapping[str, Any],
        since: datetime | None = None,
    ) -> ModelBuild:
        """With the configured engine, reading what loads changed since it last looked."""
        engine = self.model_engine()
        engine.refresh([*project.external_tables(node), *project.dependencies(node)])
        rows = engine.run_model(node, params, since)
        return ModelBuild(
            rows, {"engine": self.config.engine, **({} if rows is None else {"rows": rows})}
        )

    def kept_model(self, node: SqlNode) -> ModelBuild:
        engine = self.model_engine()
        rows = engine.row_count(node.name) if node.materialized != "view" else None
        return ModelBuild(
            rows, {"engine": self.config.engine, **({} if rows is None else {"rows": rows})}
        )

    def model_digest(self, table: str) -> str | None:
        return self.model_engine().digest(table)

    def run_check(self, check: SqlNode, params: Mapping[str, Any]) -> CheckResult:
        """With DuckDB over the store whatever the engine: a source's checks run beside its
        load and read only its partitions (Spark runs the models' own checks in their step)."""
        engine = open_engine(self.config.model_copy(update={"engine": "duckdb"}), self.store)
        engine.refresh(sorted(check.refs))
        return engine.run_check(check, params)

    def changed_periods(self, discovery: Discovery, source: str) -> dict[str, str]:
        with self.latest() as con:
            return changed_periods(discovery, source, con)

    def sweep(self) -> int:
        return self.store.sweep()

    def publish(self) -> bool:
        return False  # partitions swap in whole: readers need no copy

    def ddl(self, project: Project, dialect: str, database: str) -> list[str]:
        return statements(self.config, project, dialect, self.store, database)
