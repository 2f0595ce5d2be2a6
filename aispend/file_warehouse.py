"""The warehouse as one DuckDB file: one writer at a time, readers on a published snapshot.

See aispend/warehouse.py for the file itself (schema, writer lock, snapshot) and
aispend/storage.py for the seam this implements.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from aispend.billing_load import LoadResult, changed_periods, load_billing_partition
from aispend.config import AispendConfig, SourceConfig
from aispend.config_tables import config_tables
from aispend.model_summary import table_summary
from aispend.storage import ModelBuild, TelemetryLoad
from aispend.telemetry_load import (
    days_to_load,
    load_telemetry_day,
    record_unreadable,
    stage,
    telemetry_fingerprints,
)
from aispend.warehouse import publish, reader, transaction, utc_now, writer
from connectors.discovery import Discovery
from connectors.errors import InputProblem
from connectors.files import FileRef
from dbt_like import CheckResult, Project, SqlNode, run_check, run_model
from dbt_like.runner import table_digest

if TYPE_CHECKING:
    from aispend.store.engines import Engine


class FileWarehouse:
    parallel_loads = False

    def __init__(self, config: AispendConfig):
        self.config = config
        self.path = config.warehouse_path

    def describe(self) -> str:
        return str(self.path)

    def reader(self) -> duckdb.DuckDBPyConnection:
        return reader(self.path)

    @contextmanager
    def latest(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Under the writer's lock, not the readers' snapshot, which may lag a load."""
        with writer(self.path, publish=False) as con:
            yield con

    @contextmanager
    def write_session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with writer(self.path) as con:
            yield con

    def load_billing(self, source: SourceConfig, period: str) -> LoadResult:
        return load_billing_partition(self.config, source, period, warehouse=self.path)

    def load_telemetry(
        self, source: SourceConfig, days: set[str] | None, changed_only: bool = False
    ) -> TelemetryLoad:
        staged = stage(self.config, source, self.path)
        known = self.telemetry_fingerprints(source.name) if changed_only else None
        held, wanted = days_to_load(staged, days, known)
        loaded = [
            load_telemetry_day(self.config, source, day, warehouse=self.path, staged=staged)
            for day in wanted
        ]
        self.record_unreadable(source, staged.batch.unreadable)
        return TelemetryLoad(
            loaded,
            list(staged.batch.unreadable),
            len(staged.batch.skipped),
            unchanged=len(held) - len(wanted),
        )

    def telemetry_fingerprints(self, source: str) -> dict[str, str]:
        with self.latest() as con:
            return telemetry_fingerprints(con, source)

    def record_unreadable(self, source: SourceConfig, problems: list[InputProblem]) -> None:
        record_unreadable(source, problems, self.path)

    def write_config_tables(self) -> dict[str, int]:
        tables = config_tables(self.config)
        with writer(self.path) as con, transaction(con):
            for table, rows in tables.items():  # names from CONFIG_TABLES, never from input
                con.execute(f"DELETE FROM {table}")
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        return {table: len(rows) for table, rows in tables.items()}

    def record_files(self, source: str, period: str, files: list[FileRef]) -> None:
        with writer(self.path) as con, transaction(con):
            con.execute(
                "DELETE FROM meta.partition_files WHERE source = ? AND period = ?", [source, period]
            )
            con.executemany(
                "INSERT INTO meta.partition_files (source, period, file, size, stamp) "
                "VALUES (?, ?, ?, ?, ?)",
                [[source, period, f.uri, f.size, f.stamp] for f in files],
            )

    def record_model_build(self, fingerprint: str) -> None:
        with writer(self.path) as con, transaction(con):
            con.execute("DELETE FROM meta.model_builds")
            con.execute("INSERT INTO meta.model_builds VALUES (?, ?)", [fingerprint, utc_now()])

    def model_engine(self) -> Engine:
        raise ValueError("engine: spark builds models on a parquet store: set 'store:'")

    def build_model(
        self,
        project: Project,
        node: SqlNode,
        params: Mapping[str, Any],
        since: datetime | None = None,
    ) -> ModelBuild:
        with writer(self.path) as con:
            rows = run_model(con, node, params, since)
            return ModelBuild(rows, table_summary(con, node.name, rows))

    def kept_model(self, node: SqlNode) -> ModelBuild:
        with writer(self.path, publish=False) as con:
            rows = None
            if node.materialized != "view":
                found = con.execute(f"SELECT count(*) FROM {node.name}").fetchone()
                rows = int(found[0]) if found else 0
            return ModelBuild(rows, table_summary(con, node.name, rows))

    def model_digest(self, table: str) -> str | None:
        with writer(self.path, publish=False) as con:
            return table_digest(con, table)

    def run_check(self, check: SqlNode, params: Mapping[str, Any]) -> CheckResult:
        with writer(self.path, publish=False) as con:
            return run_check(con, check, params)

    def changed_periods(self, discovery: Discovery, source: str) -> dict[str, str]:
        with self.latest() as con:
            return changed_periods(discovery, source, con)

    def sweep(self) -> int:
        return 0  # a load replaces a partition inside one transaction: nothing is left over

    def publish(self) -> bool:
        return publish(self.path)

    def ddl(self, project: Project, dialect: str, database: str) -> list[str]:
        raise ValueError("ddl describes a parquet store: set 'store:' in the config")
