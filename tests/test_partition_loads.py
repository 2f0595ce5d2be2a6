"""Loads replace whole (source, period) partitions: idempotent, restatement-safe, failure-safe."""

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from aispend.billing_load import load_billing_partition
from aispend.config import load_config
from aispend.errors import InputError
from tests.conftest import month_rows, write_config, write_focus


def _totals(db: Path) -> dict[tuple[str, str], tuple[int, Decimal]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select x_source, x_billing_period, count(*), sum(billed_cost) "
            "from marts.cost_lines group by all"
        ).fetchall()
    finally:
        con.close()
    return {(s, p): (n, total) for s, p, n, total in rows}


@pytest.fixture
def two_months(tmp_path: Path):  # type: ignore[no-untyped-def]
    bills = tmp_path / "bills"
    write_focus(bills / "oct.csv", month_rows("2026-10", ["10.10", "0.05"]))
    write_focus(bills / "nov.csv", month_rows("2026-11", ["3.00"]))
    config = load_config(write_config(tmp_path, [{"name": "f", "kind": "focus", "path": "bills"}]))
    return config, bills


def test_loading_the_same_export_twice_changes_nothing(two_months) -> None:  # type: ignore[no-untyped-def]
    config, _ = two_months
    source = config.sources[0]
    for _ in range(2):
        for period in ("2026-10", "2026-11"):
            load_billing_partition(config, source, period)
        assert _totals(config.warehouse_path) == {
            ("f", "2026-10"): (2, Decimal("10.15")),
            ("f", "2026-11"): (1, Decimal("3.00")),
        }


def test_a_restated_period_replaces_the_old_one_without_double_counting(two_months) -> None:  # type: ignore[no-untyped-def]
    config, bills = two_months
    source = config.sources[0]
    load_billing_partition(config, source, "2026-10")
    write_focus(bills / "oct.csv", month_rows("2026-10", ["10.10", "0.05", "1.00"]))
    write_focus(bills / "oct-late.csv", month_rows("2026-10", ["0.25"]))
    result = load_billing_partition(config, source, "2026-10")
    assert (result.rows, result.files) == (4, 2)
    assert _totals(config.warehouse_path)[("f", "2026-10")] == (4, Decimal("11.40"))


def test_a_bad_file_fails_its_partition_keeps_old_rows_and_records_where(two_months) -> None:  # type: ignore[no-untyped-def]
    config, bills = two_months
    source = config.sources[0]
    load_billing_partition(config, source, "2026-10")
    load_billing_partition(config, source, "2026-11")
    rows = month_rows("2026-11", ["4.00", "not-a-number"])
    write_focus(bills / "nov.csv", rows)
    with pytest.raises(InputError) as err:
        load_billing_partition(config, source, "2026-11")
    assert str(bills / "nov.csv") in str(err.value)
    assert "row 2, column 'BilledCost'" in str(err.value)
    assert _totals(config.warehouse_path)[("f", "2026-11")] == (1, Decimal("3.00"))
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    recorded = con.execute(
        "select source, period, file, row_number, column_name, message from meta.load_errors"
    ).fetchall()
    statuses = con.execute("select period, status from meta.loads order by finished_at").fetchall()
    con.close()
    nov = str(bills / "nov.csv")
    assert recorded == [
        ("f", "2026-11", nov, 2, "BilledCost", "a number expected, found 'not-a-number'"),
        ("f", "2026-11", nov, 2, "EffectiveCost", "a number expected, found 'not-a-number'"),
    ]
    assert statuses == [("2026-10", "loaded"), ("2026-11", "loaded"), ("2026-11", "failed")]
    # The other partition still loads, and a restatement of it is picked up.
    write_focus(bills / "oct.csv", month_rows("2026-10", ["20.00"]))
    load_billing_partition(config, source, "2026-10")
    assert _totals(config.warehouse_path)[("f", "2026-10")] == (1, Decimal("20.00"))


def test_a_file_with_no_billing_period_blocks_every_period_of_its_source(two_months) -> None:  # type: ignore[no-untyped-def]
    config, bills = two_months
    source = config.sources[0]
    load_billing_partition(config, source, "2026-10")
    (bills / "mystery.csv").write_text("ChargePeriodStart,BilledCost\n2026-10-03,5.00\n")
    with pytest.raises(InputError, match="BillingPeriodStart is missing"):
        load_billing_partition(config, source, "2026-10")
    assert _totals(config.warehouse_path)[("f", "2026-10")] == (2, Decimal("10.15"))


def test_a_period_with_no_files_keeps_what_it_had(two_months) -> None:  # type: ignore[no-untyped-def]
    config, bills = two_months
    source = config.sources[0]
    load_billing_partition(config, source, "2026-11")
    (bills / "nov.csv").unlink()
    assert load_billing_partition(config, source, "2026-11").status == "empty"
    assert _totals(config.warehouse_path)[("f", "2026-11")] == (1, Decimal("3.00"))
