"""On a parquet store with ``engine: spark``, nightly runs that rebuild only the changed tails
of the incremental models end with the same tables as a full rebuild from the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from aispend.store.objects import open_store
from aispend.store.tables import read_only
from tests.conftest import month_rows, write_focus
from tests.test_nightly_incremental import _scenario, _smi, copy_inputs
from tests.test_spark_engine import SPARK, normalized


def test_incremental_builds_on_the_spark_store_equal_a_full_rebuild(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario(tmp_path)
    body = yaml.safe_load((tmp_path / "aispend.yaml").read_text())
    store = {**body, "store": "store", "engine": "spark", "spark": SPARK}
    (tmp_path / "aispend.yaml").write_text(yaml.safe_dump(store))
    first = cli("run")
    assert first.exit_code == 0, first.output

    # (a) September restated in place and (b) a new telemetry day
    write_focus(tmp_path / "bills" / "sep.csv", month_rows("2026-09", ["11.00", "5.00"]))
    _smi(tmp_path / "logs" / "n1_2026-10-03.csv", "2026-10-03", 50, 300)
    second = cli("run")
    assert second.exit_code == 0, second.output
    # the new day's spans and the day before them, not the whole history
    assert "staging.gpu_sample_spans: 24 rows (rebuilt from 2026-10-02 00:00)" in second.output
    # (c) a late file for an old day
    _smi(tmp_path / "logs" / "n2_2026-10-02.csv", "2026-10-02", 0, 70)
    third = cli("run")
    assert third.exit_code == 0, third.output
    assert "staging.gpu_sample_spans: 36 rows (rebuilt from 2026-10-01 00:00)" in third.output
    # (d) nothing new
    assert "Nothing new since the last run" in cli("run").output

    fresh = tmp_path / "fresh"
    copy_inputs(tmp_path, fresh, ("bills", "logs", "sacct.txt"))
    (fresh / "aispend.yaml").write_text(yaml.safe_dump(body))  # a DuckDB file, built whole
    monkeypatch.chdir(fresh)
    assert cli("run", "--full-refresh").exit_code == 0
    file = duckdb.connect(str(fresh / "wh.duckdb"), read_only=True)
    spark = read_only(open_store(str(tmp_path / "store")))
    tables = [
        r[0]
        for r in file.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('marts', 'staging') and table_name <> 'budget_status' "
            "order by 1"
        ).fetchall()
    ]
    assert "staging.gpu_sample_spans" in tables and "marts.run_cost" in tables
    for table in tables:
        columns = ", ".join(
            f'"{r[0]}"'
            for r in file.execute(f"describe {table}").fetchall()
            if r[0] != "x_source_file"
        )
        query = f"select {columns} from {table}"
        expected = normalized(file.execute(query).fetchall())
        assert normalized(spark.execute(query).fetchall()) == expected, table
    assert normalized(file.execute("select * from marts.energy").fetchall())  # not empty
    file.close()
    spark.close()
