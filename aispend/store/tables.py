"""A DuckDB connection whose tables are the parquet store's: views, not copies.

Loaded tables keep the columns and types the DuckDB warehouse declares (partition values come
back from the path and are cast), so the same models, checks and queries run on either. A table
with nothing loaded yet is an empty table of the declared shape. Local stores are read with
DuckDB's own parquet reader; S3 stores through pyarrow's S3 file system, which needs no DuckDB
extension download.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from pathlib import Path

import duckdb

from aispend.store.layout import LOADED, PARTITION_TYPES, TableLayout, model_layout
from aispend.store.objects import LocalStore, ObjectStore, S3Store
from aispend.warehouse import SCHEMAS, WRITER_MEMORY, declared_columns
from dbt_like.runner import object_type

MODEL_SCHEMAS = ("staging", "marts")


def declared_tables() -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for schema, table, column, sql_type in declared_columns():
        tables[f"{schema}.{table}"].append((column, sql_type))
    return dict(tables)


def model_tables(store: ObjectStore) -> list[str]:
    """Models the store holds (``marts/run_cost/...`` is ``marts.run_cost``)."""
    found = set()
    for schema in MODEL_SCHEMAS:
        for key in store.keys(schema):
            parts = key.split("/")
            if len(parts) > 2:
                found.add(f"{schema}.{parts[1]}")
    return sorted(found - LOADED.keys())


def attach(con: duckdb.DuckDBPyConnection, store: ObjectStore, arrow: bool = False) -> None:
    """Create every loaded table and every model found in ``store`` as a view on ``con``;
    ``arrow`` reads through pyarrow datasets even for a local store (so DuckDB itself needs no
    file access and can be locked down)."""
    con.execute("SET TimeZone = 'UTC'")
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    declared = declared_tables()
    for name, layout in LOADED.items():
        columns = declared[name]
        drop(con, name)  # a table that was empty may now have files, and the reverse
        keys = store.keys(layout.prefix)
        if keys:
            select = ", ".join(_column(c, t, layout) for c, t in columns)
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT {select} "
                f"FROM {relation(con, store, layout, arrow, keys)}"
            )
        else:
            ddl = ", ".join(f'"{c}" {t}' for c, t in columns)
            con.execute(f"CREATE OR REPLACE TABLE {name} ({ddl})")
    for name in model_tables(store):
        attach_model(con, store, name, arrow)


def drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    found = object_type(con, name)
    if found:
        con.execute(f"DROP {'VIEW' if found == 'VIEW' else 'TABLE'} {name}")


def attach_model(
    con: duckdb.DuckDBPyConnection, store: ObjectStore, name: str, arrow: bool = False
) -> None:
    layout = model_layout(name)
    con.execute(
        f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {relation(con, store, layout, arrow)}"
    )


def _column(column: str, sql_type: str, layout: TableLayout) -> str:
    if column in layout.partition_by:
        return f'CAST("{column}" AS {PARTITION_TYPES.get(column, "VARCHAR")}) AS "{column}"'
    return f'"{column}"'


def relation(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    layout: TableLayout,
    arrow: bool = False,
    keys: list[str] | None = None,
) -> str:
    """A FROM-clause item reading ``layout``'s files (``keys``, if already listed), partition
    columns as text."""
    if isinstance(store, LocalStore) and not arrow:
        pattern = str(store.root / layout.prefix / "**" / "*.parquet").replace("'", "''")
        # union_by_name: files written by an older aispend lack columns added since (null there)
        return (
            f"read_parquet('{pattern}', hive_partitioning = true, "
            "hive_types_autocast = false, union_by_name = true)"
        )
    name = "_store_" + layout.prefix.replace("/", "_")
    con.register(name, _dataset(store, layout, keys or store.keys(layout.prefix)))
    return name


def _dataset(store: ObjectStore, layout: TableLayout, keys: list[str]) -> object:
    import pyarrow as pa
    import pyarrow.dataset as ds
    from pyarrow import fs

    filesystem: fs.FileSystem
    if isinstance(store, S3Store):
        filesystem = fs.S3FileSystem(
            endpoint_override=os.environ.get("AWS_ENDPOINT_URL"),
            region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        )
        paths = [f"{store.bucket}/{store.key(k)}" for k in keys]
        base = f"{store.bucket}/{store.key(layout.prefix)}"
    elif isinstance(store, LocalStore):
        filesystem = fs.LocalFileSystem()
        paths = [store.location(k) for k in keys]
        base = store.location(layout.prefix)
    else:
        raise TypeError(f"no reader for store {store.uri}")
    # A model's partition columns are not known here: discovered from the paths, as text.
    partitioning = (
        ds.partitioning(pa.schema([(k, pa.string()) for k in layout.partition_by]), flavor="hive")
        if layout.partition_by
        else ds.HivePartitioning.discover(infer_dictionary=False)
    )
    dataset = ds.dataset(
        paths,
        filesystem=filesystem,
        format="parquet",
        partitioning=partitioning,
        partition_base_dir=base,
    )
    if not layout.prefix.startswith("meta/"):
        return dataset
    # Bookkeeping tables gain columns over versions; their files are few and small, so every
    # footer is read and the schemas unified (an older file's missing column reads as null).
    fragments = list(dataset.get_fragments())
    if len(fragments) < 2:
        return dataset
    schema = pa.unify_schemas([dataset.schema, *[f.physical_schema for f in fragments]])
    return ds.dataset(
        paths,
        filesystem=filesystem,
        format="parquet",
        schema=schema,
        partitioning=partitioning,
        partition_base_dir=base,
    )


def replace_table(
    con: duckdb.DuckDBPyConnection, table: str, store: ObjectStore, folder: Path
) -> None:
    """Rewrite a small unpartitioned table (host map, alerts, price cache) whole, in one swap,
    from ``con``'s table of the same name; ``folder`` holds the file until it is put."""
    target = folder / f"{table}.parquet"
    con.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")
    store.put(target, f"{LOADED[table].prefix}/part-0.parquet")


def store_connection(store: ObjectStore) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the store attached, for models and checks. Its memory is
    capped like the DuckDB file's writer; bigger work spills to the temporary folder."""
    con = duckdb.connect(
        config={
            "preserve_insertion_order": False,
            "memory_limit": WRITER_MEMORY,
            "temp_directory": os.path.join(tempfile.gettempdir(), "aispend-duckdb-spill"),
        }
    )
    con.execute("SET enable_progress_bar = false")
    attach(con, store)
    return con


def read_only(store: ObjectStore) -> duckdb.DuckDBPyConnection:
    """``aispend sql`` on a store: views over pyarrow datasets, then file access off and the
    configuration locked, so the engine refuses a query that would write or read files."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    con.execute("SET enable_progress_bar = false")
    attach(con, store, arrow=True)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
