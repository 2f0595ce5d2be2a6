"""The DuckDB warehouse file: its tables, one writer at a time, and locked-down readers.

DuckDB allows one writing process per file. Every write goes through ``writer()``, which holds an
exclusive lock on a side file for the whole session, so a nightly run and a manual ``aispend run``
queue instead of failing. Each finished write session is published as a snapshot file that readers
open instead, so queries never wait for a load and never see half of one. Readers are opened
read-only with external access off and the configuration locked: the engine, not a keyword list,
refuses writes and file access.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb

from aispend.errors import InputProblem
from aispend.redact import redactor
from connectors.cost_model import COST_LINES

SCHEMAS = ("raw", "staging", "marts", "meta")
#: DuckDB's buffer pool for the writer: it otherwise keeps up to 80 % of RAM cached, and a big
#: load's pages stay resident. Larger work spills to disk (temp_directory beside the file).
#: 2 GB: a 10 M-line CUR month loads in 1.5 GiB, 8 % faster than with 1 GB (bench/cur.py).
WRITER_MEMORY = os.environ.get("AISPEND_DUCKDB_MEMORY", "2GB")

_COST_LINES_DDL = (
    "CREATE TABLE IF NOT EXISTS marts.cost_lines (\n    "
    + ",\n    ".join(f"{name} {sql_type}" for name, _, sql_type in COST_LINES)
    + "\n)"
)

_META_DDL = [
    """CREATE TABLE IF NOT EXISTS meta.loads (
        load_id VARCHAR, source VARCHAR, period VARCHAR, status VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, files INTEGER, rows_loaded BIGINT,
        message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.load_errors (
        load_id VARCHAR, source VARCHAR, period VARCHAR, file VARCHAR, row_number BIGINT,
        column_name VARCHAR, message VARCHAR, recorded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.price_catalog (
        provider VARCHAR, sku_id VARCHAR, description VARCHAR, region VARCHAR, os VARCHAR,
        usage_unit VARCHAR, currency VARCHAR, unit_price DECIMAL(38,10),
        on_demand_sku_id VARCHAR, on_demand_price DECIMAL(38,10), fetched_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.host_map (
        host VARCHAR, resource_id VARCHAR, gpus DOUBLE, region VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.grid_intensity (
        provider VARCHAR, region VARCHAR, grid_gco2e_per_kwh DOUBLE, year INTEGER,
        source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.cloud_pue (
        provider VARCHAR, pue DOUBLE, year INTEGER, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.gpu_board_power (
        gpu_model VARCHAR, board_power_w DOUBLE, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.partition_files (
        source VARCHAR, period VARCHAR, file VARCHAR, size BIGINT, stamp VARCHAR,
        digest VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS marts.budget_status (
        evaluated_at TIMESTAMP, budget VARCHAR, unit VARCHAR, period VARCHAR, window_start DATE,
        window_end DATE, as_of DATE, currency VARCHAR, amount DECIMAL(38,10),
        actual DECIMAL(38,10), forecast DECIMAL(38,10), pct_actual DECIMAL(12,1),
        pct_forecast DECIMAL(12,1), crossed VARCHAR, explanation VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.alerts (
        budget VARCHAR, threshold VARCHAR, period VARCHAR, sink VARCHAR, status VARCHAR,
        first_triggered_at TIMESTAMP, sent_at TIMESTAMP, attempts INTEGER, last_error VARCHAR,
        message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS raw.gpu_samples (
        x_source VARCHAR, day DATE, host VARCHAR, gpu_index INTEGER, gpu_uuid VARCHAR,
        gpu_name VARCHAR, ts TIMESTAMP, util_pct DOUBLE, mem_used_mib DOUBLE,
        mem_total_mib DOUBLE, power_w DOUBLE, mig_instance VARCHAR, mig_profile VARCHAR,
        pod VARCHAR, namespace VARCHAR, job VARCHAR, x_source_file VARCHAR,
        power_limit_w DOUBLE, energy_mj DOUBLE, sm_active DOUBLE, tensor_active DOUBLE,
        dram_active DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS raw.gpu_processes (
        x_source VARCHAR, day DATE, host VARCHAR, gpu_uuid VARCHAR, ts TIMESTAMP, pid BIGINT,
        process_name VARCHAR, used_mib DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS raw.k8s_pods (
        x_source VARCHAR, day DATE, name VARCHAR, namespace VARCHAR, node VARCHAR,
        gpus DOUBLE, started_at TIMESTAMP, ended_at TIMESTAMP, phase VARCHAR,
        snapshot_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS raw.k8s_nodes (
        x_source VARCHAR, day DATE, node VARCHAR, instance_type VARCHAR, spot BOOLEAN,
        snapshot_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS raw.scheduler_jobs (
        x_source VARCHAR, day DATE, run_id VARCHAR, run_name VARCHAR, "user" VARCHAR,
        team VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP, gpu_count DOUBLE,
        hosts VARCHAR[], state VARCHAR, pod VARCHAR, namespace VARCHAR, job VARCHAR,
        x_source_file VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.model_builds (
        fingerprint VARCHAR, built_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.telemetry_days (
        x_source VARCHAR, day DATE, fingerprint VARCHAR, loaded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.control_totals (
        source VARCHAR, period VARCHAR, billing_currency VARCHAR, rows_in_export BIGINT,
        billed_cost DECIMAL(38,10))""",
]


def utc_now() -> datetime:
    """Naive UTC, the warehouse's one convention for timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One all-or-nothing transaction: committed on success, rolled back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def record_load_errors(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    source: str,
    partition: str,
    problems: list[InputProblem],
) -> None:
    """The file, row, column and reason of each problem of one load, for `aispend status`."""
    if problems:
        mask = redactor()
        con.executemany(
            "INSERT INTO meta.load_errors VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    load_id,
                    source,
                    partition,
                    mask(p.file),
                    p.row,
                    p.column,
                    mask(p.message),
                    utc_now(),
                ]
                for p in problems
            ],
        )


class WarehouseMissing(Exception):
    """Raised when a reader is asked for a warehouse file that was never built."""


class WarehouseNotReady(WarehouseMissing):
    """Raised when the first load is still writing the file and no snapshot exists to read."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for ddl in (_COST_LINES_DDL, *_META_DDL):
        con.execute(ddl)
    _add_new_columns(con)


@cache
def declared_columns() -> list[tuple[str, str, str, str]]:
    """(schema, table, column, type) of every table as this version declares it, read back from
    an empty in-memory database built with the same DDL."""
    scratch = duckdb.connect()
    try:
        for schema in SCHEMAS:
            scratch.execute(f"CREATE SCHEMA {schema}")
        for ddl in (_COST_LINES_DDL, *_META_DDL):
            scratch.execute(ddl)
        return scratch.execute(_COLUMNS).fetchall()
    finally:
        scratch.close()


_COLUMNS = (
    "select table_schema, table_name, column_name, data_type "
    "from information_schema.columns where table_catalog = current_database() "
    "order by table_schema, table_name, ordinal_position"
)


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse built by an older aispend gets the columns added since, as nulls."""
    present = {(s, t, c) for s, t, c, _ in con.execute(_COLUMNS).fetchall()}
    for schema, table, column, sql_type in declared_columns():
        if (schema, table, column) not in present:
            con.execute(f'ALTER TABLE {schema}.{table} ADD COLUMN "{column}" {sql_type}')


def snapshot_path(path: Path) -> Path:
    """Where readers look: ``aispend.duckdb`` is published as ``aispend.read.duckdb``."""
    return path.with_name(f"{path.stem}.read{path.suffix}")


@contextmanager
def writer(
    path: Path, wait_seconds: float = 600.0, publish: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writing connection to ``path``; waits for another writer to finish first.

    When the session ends cleanly the file is checkpointed and, with ``publish``, marked as
    changed: the readers' snapshot is refreshed from it by ``publish`` (the last step of every
    job) or by the next ``reader`` that finds it stale. Copying the whole file after every
    session (20 models a night) cost more than the night's loads at 10 M lines.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path.with_name(path.name + ".lock"), wait_seconds):
        # Commits only append to the write-ahead log; the data files are rewritten by our own
        # CHECKPOINT after each partition, not by an automatic one in the middle of a commit.
        # Rows need no insertion order (tables carry their own keys); not keeping it halves
        # the memory and time of big inserts.
        con = duckdb.connect(
            str(path),
            config={
                "checkpoint_threshold": "4GB",
                "preserve_insertion_order": False,
                "memory_limit": WRITER_MEMORY,
            },
        )
        con.execute("SET enable_progress_bar = false")  # drawn on stdout, into the job's logs
        finished = False
        try:
            ensure_schema(con)
            yield con
            con.execute("CHECKPOINT")
            finished = True
        finally:
            con.close()
        if finished and publish:
            _changed_marker(path).write_text(f"{time.time_ns()}-{os.getpid()}")


def _changed_marker(path: Path) -> Path:
    return path.with_name(path.name + ".changed")


def _published_marker(path: Path) -> Path:
    return path.with_name(path.name + ".published")


def _read(marker: Path) -> str | None:
    try:
        return marker.read_text()
    except FileNotFoundError:
        return None


def snapshot_is_stale(path: Path) -> bool:
    """Whether a writer session finished after the snapshot was copied (the snapshot records
    which session it holds)."""
    if not path.exists():
        return False
    if not snapshot_path(path).exists():
        return True
    return _read(_changed_marker(path)) != _read(_published_marker(path))


def publish(path: Path, wait_seconds: float = 600.0) -> bool:
    """Refresh the readers' snapshot if it is stale, under the writer lock; with
    ``wait_seconds=0``, only if no writer is at work. Returns whether it copied."""
    try:
        with _exclusive_lock(path.with_name(path.name + ".lock"), wait_seconds):
            if not snapshot_is_stale(path):
                return False
            publish_snapshot(path)
            return True
    except TimeoutError:
        return False


def publish_snapshot(path: Path) -> None:
    """Copy the quiescent warehouse file beside it and swap it in atomically (os.replace).

    Called under the writer lock with no connection open, so the copy is a consistent file.
    Readers that opened the previous snapshot keep reading it until they close it.
    """
    target = snapshot_path(path)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    shutil.copyfile(path, partial)
    os.replace(partial, target)
    version = _read(_changed_marker(path))
    if version is not None:
        _published_marker(path).write_text(version)


def reader(path: Path, wait_seconds: float = 600.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published snapshot that cannot write, read or write files,
    or change its settings. A stale snapshot is refreshed first when no writer is at work.

    Readers never open the warehouse file itself: a read-only DuckDB connection holds a lock on
    it, and one held open (a BI tool, a notebook) would make every later load fail. Before the
    first snapshot exists, a reader waits for the writer (or another reader's first copy).
    """
    published = snapshot_path(path)
    if not path.exists() and not published.exists():
        raise WarehouseMissing(
            f"no warehouse at {path}: run `aispend run` (or `aispend demo`) to build it first"
        )
    if snapshot_is_stale(path):
        # a snapshot to read already: refresh it only if no writer is at work, else read it
        publish(path, wait_seconds=0 if published.exists() else wait_seconds)
    if not published.exists():
        raise WarehouseNotReady(
            f"{path} is being written for the first time; gave up waiting after "
            f"{wait_seconds:.0f}s: try again when the load has finished"
        )
    return duckdb.connect(
        str(published),
        read_only=True,
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "lock_configuration": True,
        },
    )


@contextmanager
def _exclusive_lock(lock_path: Path, wait_seconds: float) -> Iterator[None]:
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another aispend process is writing {lock_path.stem}; gave up after "
                        f"{wait_seconds:.0f}s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
