"""One writer at a time: a second writer waits for the first instead of failing."""

import multiprocessing
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aispend.warehouse import WarehouseNotReady, publish, reader, snapshot_is_stale, writer


def _hold_writer(path: str, seconds: float, ready: "multiprocessing.synchronize.Event") -> None:
    with writer(Path(path)) as con:
        con.execute("create table if not exists t (who varchar)")
        con.execute("insert into t values ('first')")
        ready.set()
        time.sleep(seconds)
        con.execute("insert into t values ('first, done')")


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_writer, args=(str(db), 1.5, ready))
    holder.start()
    assert ready.wait(30)
    with writer(db) as con:
        con.execute("insert into t values ('second')")
        rows = con.execute("select who from t").fetchall()
    holder.join(10)
    # It queued behind the first writer (saw its last write) rather than failing.
    assert rows == [("first",), ("first, done",), ("second",)]


def test_a_writer_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_writer, args=(str(db), 3, ready))
    holder.start()
    assert ready.wait(30)
    with (
        pytest.raises(TimeoutError, match="another aispend process is writing"),
        writer(db, wait_seconds=0.3),
    ):
        pass
    holder.join(10)


def test_an_older_warehouse_gets_new_columns_added(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute("create table marts.cost_lines (provider varchar, billed_cost decimal(38,10))")
    con.execute("insert into marts.cost_lines values ('AWS', 1.5)")
    con.close()
    with writer(db) as con:
        columns = [r[0] for r in con.execute("describe marts.cost_lines").fetchall()]
        kept = con.execute("select provider, billed_cost from marts.cost_lines").fetchall()
    assert "x_allocated_resource_name" in columns and "x_source" in columns
    assert kept == [("AWS", Decimal("1.5"))]


def test_telemetry_loads_into_an_older_warehouse_by_column_name(tmp_path: Path) -> None:
    import duckdb

    from aispend.config import config_from_dict
    from aispend.telemetry_load import load_telemetry_day

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute(
        "create table raw.gpu_samples (x_source VARCHAR, day DATE, host VARCHAR, "
        "gpu_index INTEGER, gpu_uuid VARCHAR, gpu_name VARCHAR, ts TIMESTAMP, "
        "util_pct DOUBLE, mem_used_mib DOUBLE, mem_total_mib DOUBLE, power_w DOUBLE, "
        "x_source_file VARCHAR)"
    )  # as the first telemetry release wrote it
    con.close()
    log = tmp_path / "n1.csv"
    log.write_text("timestamp, index, utilization.gpu [%]\n2026/10/05 10:00:00.000, 0, 42 %\n")
    config = config_from_dict(
        {
            "warehouse": str(db),
            "sources": [{"name": "smi", "kind": "nvidia_smi", "path": str(log)}],
        },
        base_dir=tmp_path,
        origin="test",
    )
    load_telemetry_day(config, config.sources[0], "2026-10-05")
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "select host, util_pct, x_source_file, mig_instance, job from raw.gpu_samples"
    ).fetchall()
    con.close()
    assert row == [("n1", 42.0, str(log), None, None)]


def test_writers_mark_changes_and_the_snapshot_is_copied_once_when_read(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    snapshot = tmp_path / "w.read.duckdb"

    def total(con: duckdb.DuckDBPyConnection) -> int:
        rows = con.execute("select sum(x) from raw.t").fetchall()
        con.close()
        return int(rows[0][0])

    with writer(path) as con:
        con.execute("create table raw.t as select 1 as x")
    assert not snapshot.exists()  # a write session copies nothing
    assert total(reader(path)) == 1  # the first reader publishes it
    with writer(path) as con:
        con.execute("insert into raw.t values (2)")
    assert snapshot_is_stale(path)
    assert total(duckdb.connect(str(snapshot), read_only=True)) == 1  # not copied yet
    with writer(path) as con:
        con.execute("insert into raw.t values (4)")
        # a writer is at work: the reader reads the last published state, without waiting
        assert total(reader(path)) == 1
    assert publish(path) is True and publish(path) is False  # once, then up to date
    assert total(reader(path)) == 7


def test_a_reader_never_holds_the_warehouse_file_itself(tmp_path: Path) -> None:
    """Before the first snapshot exists, a reader that arrives while another process copies it
    (or a load writes) waits for that copy instead of opening the file: a read-only connection
    held open there (a BI tool) would make every later load fail on DuckDB's file lock."""
    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        con.execute("create table raw.t as select 5 as x")
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    holder = context.Process(target=_hold_writer_lock, args=(str(path), started, 1.5))
    holder.start()
    assert started.wait(30)
    with pytest.raises(WarehouseNotReady, match="being written for the first time"):
        reader(path, wait_seconds=0.2)
    held = reader(path)  # waits for the lock, then publishes the first snapshot
    holder.join(30)
    assert held.execute("select sum(x) from raw.t").fetchall() == [(5,)]
    with writer(path, wait_seconds=5) as con:  # the reader stays open; the load still runs
        con.execute("insert into raw.t values (6)")
    assert held.execute("select sum(x) from raw.t").fetchall() == [(5,)]
    held.close()
    assert reader(path).execute("select sum(x) from raw.t").fetchall() == [(11,)]


def _hold_writer_lock(path: str, started: Any, seconds: float) -> None:
    with writer(Path(path), publish=False):
        started.set()
        time.sleep(seconds)
