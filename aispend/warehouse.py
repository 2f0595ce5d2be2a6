"""The DuckDB warehouse file: its tables, one writer at a time, and locked-down readers.

DuckDB allows one writing process per file. Every write goes through ``writer()``, which holds an
exclusive lock on a side file for the whole session, so a nightly run and a manual ``aispend run``
queue instead of failing. Readers for ad hoc SQL are opened read-only with external access off
and the configuration locked: the engine, not a keyword list, refuses writes and file access.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from connectors.cost_model import COST_LINES

SCHEMAS = ("raw", "staging", "marts", "meta")

_COST_LINES_DDL = "CREATE TABLE IF NOT EXISTS marts.cost_lines (\n    " + ",\n    ".join(
    f"{name} {sql_type}" for name, _, sql_type in COST_LINES) + "\n)"

_META_DDL = [
    """CREATE TABLE IF NOT EXISTS meta.loads (
        load_id VARCHAR, source VARCHAR, period VARCHAR, status VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, files INTEGER, rows_loaded BIGINT,
        message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.load_errors (
        load_id VARCHAR, source VARCHAR, period VARCHAR, file VARCHAR, row_number BIGINT,
        column_name VARCHAR, message VARCHAR, recorded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS meta.partition_files (
        source VARCHAR, period VARCHAR, file VARCHAR, size BIGINT, stamp VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.control_totals (
        source VARCHAR, period VARCHAR, billing_currency VARCHAR, rows_in_export BIGINT,
        billed_cost DECIMAL(38,10))""",
]


class WarehouseMissing(Exception):
    """Raised when a reader is asked for a warehouse file that was never built."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(_COST_LINES_DDL)
    _add_new_columns(con)
    for ddl in _META_DDL:
        con.execute(ddl)


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse built by an older aispend gets the columns added since, as nulls."""
    present = {row[0] for row in con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'cost_lines'").fetchall()}
    for name, _, sql_type in COST_LINES:
        if name not in present:
            con.execute(f"ALTER TABLE marts.cost_lines ADD COLUMN {name} {sql_type}")


@contextmanager
def writer(path: Path, wait_seconds: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writing connection to ``path``; waits for another writer to finish first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(path.with_name(path.name + ".lock"), wait_seconds):
        con = duckdb.connect(str(path))
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()


def reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot write, read or write files, or change its settings."""
    if not path.exists():
        raise WarehouseMissing(
            f"no warehouse at {path}: run `aispend run` (or `aispend demo`) to build it first")
    return duckdb.connect(str(path), read_only=True, config={
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "lock_configuration": True,
    })


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
                        f"{wait_seconds:.0f}s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
