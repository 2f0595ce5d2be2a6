"""Where the warehouse lives, chosen once: one DuckDB file, or a parquet store (for Spark).

Every asset, check and command talks to a ``Warehouse``; this module alone reads which one the
config names (``store:`` set or not), so no other module branches on the storage choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from aispend.billing_load import LoadResult
from aispend.config import AispendConfig, SourceConfig
from aispend.telemetry_load import TelemetryResult
from connectors.discovery import Discovery
from connectors.errors import InputProblem
from connectors.files import FileRef
from dbt_like import CheckResult, Project, SqlNode

if TYPE_CHECKING:
    from aispend.store.engines import Engine


@dataclass
class TelemetryLoad:
    """The days of a telemetry source that were replaced, and its files that could not be read
    at all (the readable ones still load; the caller fails the source on these)."""

    days: list[TelemetryResult] = field(default_factory=list)
    unreadable: list[InputProblem] = field(default_factory=list)
    skipped_lines: int = 0
    #: days the source holds whose content was as last loaded, so not loaded again
    unchanged: int = 0


@dataclass
class ModelBuild:
    rows: int | None  # None for a view
    #: plain values for the UI: row count, money totals, a markdown ``preview``
    metadata: dict[str, Any]


class Warehouse(Protocol):
    #: Whether loads of different partitions may run side by side (a store), or take turns on
    #: one writer (the DuckDB file).
    parallel_loads: bool

    def describe(self) -> str: ...

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection: ad hoc SQL, status, reports."""
        ...

    def latest(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The state as a writer sees it now (checks compare with it)."""
        ...

    def write_session(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection that may rewrite marts.budget_status and meta.alerts."""
        ...

    def load_billing(self, source: SourceConfig, period: str) -> LoadResult: ...

    def load_telemetry(
        self, source: SourceConfig, days: set[str] | None, changed_only: bool = False
    ) -> TelemetryLoad:
        """Replace the days of ``source`` in ``days`` (None: every day it holds); with
        ``changed_only``, only those whose content differs from their last load."""
        ...

    def telemetry_fingerprints(self, source: str) -> dict[str, str]:
        """day -> the fingerprint of what its last load of ``source`` loaded."""
        ...

    def record_unreadable(self, source: SourceConfig, problems: list[InputProblem]) -> None: ...

    def write_config_tables(self) -> dict[str, int]:
        """Rewrite the host map and the carbon factors from the config; rows per table."""
        ...

    def record_files(self, source: str, period: str, files: list[FileRef]) -> None:
        """meta.partition_files of (``source``, ``period``) replaced by ``files``: what a load
        read, for the next run to compare with (``changed_periods``)."""
        ...

    def record_model_build(self, fingerprint: str) -> None:
        """The inputs (aispend/model_inputs.py) of a build that succeeded, replacing the last."""
        ...

    def model_engine(self) -> Engine:
        """What builds the models in one step (``engine: spark``), over this warehouse."""
        ...

    def build_model(
        self,
        project: Project,
        node: SqlNode,
        params: Mapping[str, Any],
        since: datetime | None = None,
    ) -> ModelBuild:
        """Build ``node`` whole, or with ``since`` replace an incremental model's rows from
        then on (dbt_like/plan.py)."""
        ...

    def run_check(self, check: SqlNode, params: Mapping[str, Any]) -> CheckResult: ...

    def kept_model(self, node: SqlNode) -> ModelBuild:
        """What a model the plan kept holds (its rows, totals and preview, as after a build),
        read from its table: metadata reads the built table, never recomputes a model."""
        ...

    def model_digest(self, table: str) -> str | None:
        """The rows of a built model, summed up order-free (None when it is not built): a
        timeless model rebuilt with the same rows changes none of its readers."""
        ...

    def changed_periods(self, discovery: Discovery, source: str) -> dict[str, str]: ...

    def sweep(self) -> int:
        """Remove what interrupted loads left behind; the number of files removed."""
        ...

    def publish(self) -> bool:
        """Refresh what readers open; whether anything was copied."""
        ...

    def ddl(self, project: Project, dialect: str, database: str) -> list[str]:
        """Statements that register the warehouse's tables in another engine."""
        ...


def open_warehouse(config: AispendConfig) -> Warehouse:
    if config.store_uri:
        from aispend.store.warehouse import StoreWarehouse

        return StoreWarehouse(config, config.store_uri)
    from aispend.file_warehouse import FileWarehouse

    return FileWarehouse(config)
