"""Load a (source, period) or (source, day) partition into a parquet store.

The load itself is the same code that fills the DuckDB warehouse, run against a scratch DuckDB
file of this process's own (so any number of loads run side by side: there is no shared writer).
The partition is then written out as one parquet file per table and swapped in (see
objects.py): data first, then its control totals and file manifest, then the load record. A
load killed before the data swap leaves the previous partition; one killed after it leaves the
new partition whole, and its manifest not yet written, so the next run loads it again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from aispend.billing_load import LoadResult, load_billing_partition
from aispend.config import AispendConfig, SourceConfig
from aispend.config_tables import config_tables
from aispend.errors import InputError
from aispend.storage import TelemetryLoad
from aispend.store.layout import LOADED, TELEMETRY_TABLES
from aispend.store.objects import ObjectStore
from aispend.store.tables import read_only, replace_table
from aispend.telemetry_load import days_to_load, load_telemetry_day, stage
from aispend.warehouse import WRITER_MEMORY, utc_now, writer
from connectors.files import FileRef

StepHook = Callable[[str], None]

#: Billing tables a period's load writes, keyed as the partition is: (period column, source
#: column) in each.
_BILLING = (
    ("marts.cost_lines", "x_billing_period", "x_source"),
    ("meta.control_totals", "period", "source"),
    ("meta.partition_files", "period", "source"),
)


def _no_step(step: str) -> None:
    return None


@contextmanager
def scratch() -> Iterator[Path]:
    """A private DuckDB file to load into, removed afterwards (``$AISPEND_SCRATCH`` or the
    system's temporary folder: it must hold one partition)."""
    with tempfile.TemporaryDirectory(
        prefix="aispend-load-", dir=os.environ.get("AISPEND_SCRATCH")
    ) as folder:
        yield Path(folder) / "load.duckdb"


def load_billing_to_store(
    config: AispendConfig,
    source: SourceConfig,
    period: str,
    store: ObjectStore,
    *,
    on_step: StepHook | None = None,
) -> LoadResult:
    """Replace ``period`` of ``source`` in the store; raise InputError, keeping the partition
    as it was, if its input is bad."""
    step = on_step or _no_step
    with scratch() as db:
        prices = _seed_prices(db, store)
        try:
            result = load_billing_partition(
                config, source, period, warehouse=db, on_step=lambda name: step(f"scratch {name}")
            )
        except InputError:
            _write_history(db, store)
            raise
        if result.status == "loaded":
            step("export")
            files = _export(
                db,
                db.parent,
                [
                    (table, f"{col_p} = ? AND {col_s} = ?", [period, source.name], (col_p, col_s))
                    for table, col_p, col_s in _BILLING
                ],
            )
            for table, _, _ in _BILLING:
                step(f"swap {table}")
                store.put(
                    files[table],
                    LOADED[table].partition_prefix(period, source.name) + "/part-0.parquet",
                )
        _write_history(db, store)
        _keep_prices(db, store, prices)
        step("done")
    return result


def load_telemetry_to_store(
    config: AispendConfig,
    source: SourceConfig,
    store: ObjectStore,
    days: set[str] | None = None,
    known: dict[str, str] | None = None,
) -> TelemetryLoad:
    """Every day of ``source`` (or those in ``days``) replaced in the store, a day at a time;
    with ``known`` (day -> fingerprint of its last load), only the days whose content changed."""
    results = []
    with scratch() as db:
        staged = stage(config, source, db)
        held, wanted = days_to_load(staged, days, known)
        for day in wanted:
            results.append(load_telemetry_day(config, source, day, warehouse=db, staged=staged))
            files = _export(
                db,
                db.parent / day,
                [
                    (table, "day = ? AND x_source = ?", [day, source.name], ("day", "x_source"))
                    for table in TELEMETRY_TABLES
                ],
            )
            for table in TELEMETRY_TABLES:
                store.put(
                    files[table],
                    LOADED[table].partition_prefix(day, source.name) + "/part-0.parquet",
                )
        _write_history(db, store)
    return TelemetryLoad(
        results,
        list(staged.batch.unreadable),
        len(staged.batch.skipped),
        unchanged=len(held) - len(wanted),
    )


def _export(
    db: Path, folder: Path, tables: list[tuple[str, str, list[str], tuple[str, ...]]]
) -> dict[str, Path]:
    """One parquet file per table with the partition's rows, without its partition columns."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    # Row order is not kept (tables carry their keys): the copy streams instead of buffering.
    con = duckdb.connect(
        str(db),
        read_only=True,
        config={"memory_limit": WRITER_MEMORY, "preserve_insertion_order": False},
    )
    try:
        for table, where, params, drop in tables:
            target = folder / f"{table}.parquet"
            excluded = ", ".join(f'"{c}"' for c in drop)
            con.execute(
                f"COPY (SELECT * EXCLUDE ({excluded}) FROM {table} WHERE {where}) "
                f"TO '{target}' (FORMAT parquet, COMPRESSION zstd)",
                params,
            )
            out[table] = target
    finally:
        con.close()
    return out


_PRICES = "meta.price_catalog"
_PRICE_STATE = "SELECT count(*), max(fetched_at) FROM meta.price_catalog"


def _seed_prices(db: Path, store: ObjectStore) -> tuple[object, ...]:
    """The store's cache of on-demand prices, copied into the scratch warehouse so a load does
    not fetch a price list that another load already fetched; returns the cache's state."""
    cached = read_only(store)
    try:
        rows = cached.sql(f"SELECT * FROM {_PRICES}").to_arrow_table()
    finally:
        cached.close()
    with writer(db, publish=False) as con:
        if rows.num_rows:
            con.execute(f"INSERT INTO {_PRICES} SELECT * FROM rows")
        return tuple(con.execute(_PRICE_STATE).fetchall()[0])


def _keep_prices(db: Path, store: ObjectStore, seeded: tuple[object, ...]) -> None:
    """Prices this load fetched go back to the store's cache (the whole, small table)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        if tuple(con.execute(_PRICE_STATE).fetchall()[0]) != seeded:
            replace_table(con, _PRICES, store, db.parent)
    finally:
        con.close()


def _write_history(db: Path, store: ObjectStore) -> None:
    """This process's load records and errors, as files of their own (one writer each)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT DISTINCT load_id FROM meta.loads").fetchall()]
        for table in ("meta.loads", "meta.load_errors"):
            target = db.parent / f"{table}.parquet"
            count = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            if not count or not ids:
                continue
            con.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")
            store.put(target, f"{LOADED[table].prefix}/{ids[0]}-{len(ids)}.parquet")
    finally:
        con.close()


def write_config_tables(config: AispendConfig, store: ObjectStore) -> dict[str, int]:
    """meta.host_map and the carbon factors from the config, each replaced whole."""
    tables = config_tables(config)
    with scratch() as db, writer(db, publish=False) as con:  # the declared tables, empty
        for table, rows in tables.items():  # names from CONFIG_TABLES, never from input
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            replace_table(con, table, store, db.parent)
    return {table: len(rows) for table, rows in tables.items()}


def record_model_build(store: ObjectStore, fingerprint: str) -> None:
    """meta.model_builds: the inputs of the last good build, replaced whole."""
    with scratch() as db, writer(db, publish=False) as con:
        con.execute("INSERT INTO meta.model_builds VALUES (?, ?)", [fingerprint, utc_now()])
        replace_table(con, "meta.model_builds", store, db.parent)


def record_files(store: ObjectStore, source: str, period: str, files: list[FileRef]) -> None:
    """meta.partition_files of (source, period) replaced by ``files`` (no digests)."""
    with scratch() as db:
        with writer(db, publish=False) as con:
            con.executemany(
                "INSERT INTO meta.partition_files (source, period, file, size, stamp) "
                "VALUES (?, ?, ?, ?, ?)",
                [[source, period, f.uri, f.size, f.stamp] for f in files],
            )
        table = "meta.partition_files"
        exported = _export(
            db, db.parent, [(table, "period = ? AND source = ?", [period, source], _BILLING[2][1:])]
        )
        store.put(
            exported[table], LOADED[table].partition_prefix(period, source) + "/part-0.parquet"
        )
