"""Which warehouse a command reads or writes: the DuckDB file, or the parquet store.

Commands and assets that only read (reports, status, ad hoc SQL, checks) get a read-only
connection either way. Budgets read the marts and rewrite two small tables (their history and
the alerts' delivery state): on a store those are loaded into the session as real tables and
written back whole, each in one swap, when the session ends without error.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from aispend.config import AispendConfig
from aispend.store.layout import REWRITTEN
from aispend.store.objects import open_store
from aispend.store.tables import drop, read_only, replace_table, store_connection
from aispend.warehouse import reader, writer


def open_reader(config: AispendConfig) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the configured warehouse."""
    if config.store_uri:
        return read_only(open_store(config.store_uri))
    return reader(config.warehouse_path)


def describe(config: AispendConfig) -> str:
    if config.store_uri:
        return f"parquet store {config.store_uri} (engine: {config.engine})"
    return str(config.warehouse_path)


@contextmanager
def latest(warehouse: Path, store: str | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read the latest state of the store, or of the DuckDB file as a writer would (under its
    lock, not the readers' snapshot). Takes the file's path, as Dagster's resource holds it."""
    if store:
        con = store_connection(open_store(store))
        try:
            yield con
        finally:
            con.close()
    else:
        with writer(warehouse, publish=False) as con:
            yield con


@contextmanager
def write_session(config: AispendConfig) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that may write marts.budget_status and meta.alerts."""
    if not config.store_uri:
        with writer(config.warehouse_path) as con:
            yield con
        return
    store = open_store(config.store_uri)
    con = store_connection(store)
    try:
        for table in REWRITTEN:
            con.execute(f"CREATE TABLE {table}__rows AS SELECT * FROM {table}")
            drop(con, table)
            con.execute(f"ALTER TABLE {table}__rows RENAME TO {table.split('.')[1]}")
        yield con
        with tempfile.TemporaryDirectory(prefix="aispend-session-") as folder:
            for table in REWRITTEN:
                replace_table(con, table, store, Path(folder))
    finally:
        con.close()
