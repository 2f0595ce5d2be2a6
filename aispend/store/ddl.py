"""CREATE TABLE statements that register a parquet store's tables in Spark, Trino or Athena, so
the engines a company already runs query what aispend wrote, with the types it wrote.

Columns are read from the store itself (the files' own schema, as DuckDB reads it), partition
columns from the layout or the model's ``partition_by`` header, and types are transpiled by
sqlglot. Table names follow the store's folders: ``cost_lines``, ``marts_run_cost``,
``telemetry_gpu_samples``, ``meta_loads``.
"""

from __future__ import annotations

from sqlglot import exp

from aispend.config import AispendConfig
from aispend.store.layout import LOADED, PARTITION_TYPES, TableLayout, model_layout
from aispend.store.objects import ObjectStore, S3Store
from aispend.store.tables import model_tables, read_only
from dbt_like import Project

DIALECTS = ("spark", "trino", "athena")


def table_name(layout: TableLayout) -> str:
    return layout.prefix.replace("/", "_")


def statements(
    config: AispendConfig,
    project: Project,
    dialect: str,
    store: ObjectStore,
    database: str = "aispend",
) -> list[str]:
    """Every statement, in order: the database, then each table and its partition sync."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}")
    layouts = [LOADED[name] for name in LOADED if store.keys(LOADED[name].prefix)]
    layouts += [
        model_layout(name, project.models[name].partition_by)
        for name in model_tables(store)
        if name in project.models
    ]
    con = read_only(store)
    try:
        columns = {
            layout.table: con.execute(f"DESCRIBE {layout.table}").fetchall() for layout in layouts
        }
    finally:
        con.close()
    out = [_database(dialect, database)]
    for layout in layouts:
        described = [(row[0], str(row[1])) for row in columns[layout.table]]
        out.extend(_table(dialect, database, store, layout, described))
    return out


def _database(dialect: str, database: str) -> str:
    if dialect == "trino":
        return f"CREATE SCHEMA IF NOT EXISTS hive.{database}"
    return f"CREATE DATABASE IF NOT EXISTS {database}"


def _table(
    dialect: str,
    database: str,
    store: ObjectStore,
    layout: TableLayout,
    described: list[tuple[str, str]],
) -> list[str]:
    parts = layout.partition_by
    data = [(c, t) for c, t in described if c not in parts]
    keys = [(c, PARTITION_TYPES.get(c, "VARCHAR")) for c in parts]
    name, location = table_name(layout), _location(store, layout, dialect)
    if dialect == "spark":
        cols = ", ".join(f"`{c}` {column_type(t, dialect)}" for c, t in data + keys)
        partitioned = f" PARTITIONED BY ({', '.join(f'`{c}`' for c in parts)})" if parts else ""
        ddl = [
            f"CREATE TABLE IF NOT EXISTS {database}.{name} ({cols}) USING parquet"
            f"{partitioned} LOCATION '{location}'"
        ]
        return ddl + ([f"MSCK REPAIR TABLE {database}.{name}"] if parts else [])
    if dialect == "trino":
        cols = ", ".join(f'"{c}" {column_type(t, dialect)}' for c, t in data + keys)
        with_parts = (
            ", partitioned_by = ARRAY[" + ", ".join(f"'{c}'" for c in parts) + "]" if parts else ""
        )
        ddl = [
            f"CREATE TABLE IF NOT EXISTS hive.{database}.{name} ({cols}) WITH "
            f"(external_location = '{location}', format = 'PARQUET'{with_parts})"
        ]
        return ddl + (
            [f"CALL hive.system.sync_partition_metadata('{database}', '{name}', 'FULL')"]
            if parts
            else []
        )
    cols = ", ".join(f"`{c}` {column_type(t, dialect)}" for c, t in data)
    partitioned = (
        (" PARTITIONED BY (" + ", ".join(f"`{c}` {column_type(t, dialect)}" for c, t in keys) + ")")
        if parts
        else ""
    )
    ddl = [
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {database}.{name} ({cols}){partitioned} "
        f"STORED AS PARQUET LOCATION '{location}/'"
    ]
    return ddl + ([f"MSCK REPAIR TABLE {database}.{name}"] if parts else [])


def _location(store: ObjectStore, layout: TableLayout, dialect: str) -> str:
    location = store.location(layout.prefix)
    if isinstance(store, S3Store) and dialect != "spark":
        return location.replace("s3a://", "s3://", 1)  # Trino and Athena name S3 s3://
    return location


def column_type(duckdb_type: str, dialect: str) -> str:
    """A DuckDB type as ``dialect`` writes it; timestamps are zone-less UTC."""
    if duckdb_type.upper() == "TIMESTAMP" and dialect == "spark":
        return "TIMESTAMP_NTZ"
    target = "hive" if dialect == "athena" else dialect
    return exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect=target)
