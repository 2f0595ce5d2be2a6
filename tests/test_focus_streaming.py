"""A FOCUS period loads chunk by chunk (connectors/focus/load.py): every row and cent arrives
whatever the chunk size, and a bad value far into the file is named by its row while the
period keeps what it had. Chunks are made tiny here so that the third-party sample (1,000 real
rows) spans many of them."""

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

import connectors.focus.load as focus_load
from aispend.billing_load import load_billing_partition
from aispend.config import config_from_dict
from aispend.errors import InputError
from tests.conftest import FOCUS_SAMPLE

PERIOD = "2024-09"


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(focus_load, "CHUNK_ROWS", 64)
    monkeypatch.setattr(focus_load, "BATCH_ROWS", 16)


def _sample_rows() -> list[dict[str, str]]:
    with FOCUS_SAMPLE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _config(folder: Path, bills: Path):  # type: ignore[no-untyped-def]
    return config_from_dict(
        {
            "warehouse": str(folder / "w.duckdb"),
            "sources": [{"name": "focus", "kind": "focus", "path": str(bills)}],
        },
        base_dir=folder,
        origin="test",
    )


def _query(folder: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_period_in_many_chunks_loads_every_row_and_cent(tmp_path: Path) -> None:
    rows = [r for r in _sample_rows() if r["BillingPeriodStart"].startswith(PERIOD)]
    expected = sum((Decimal(r["BilledCost"]) for r in rows), Decimal(0))
    config = _config(tmp_path, FOCUS_SAMPLE)

    result = load_billing_partition(config, config.sources[0], PERIOD)

    assert result.rows == len(rows) == 999  # 16 chunks of 64
    assert result.billed_by_currency == {"USD": expected}  # the export's own total, by chunk
    [(count, total, first, last)] = _query(
        tmp_path,
        "select count(*), sum(billed_cost), min(x_source_row), max(x_source_row) "
        "from marts.cost_lines",
    )
    # Each line keeps 10 decimal places (half away from zero); the sample writes up to 11.
    places = Decimal("1e-10")
    assert count == len(rows)
    assert total == sum(Decimal(r["BilledCost"]).quantize(places, ROUND_HALF_UP) for r in rows)
    assert round(total, 2) == round(expected, 2)
    row_numbers = [i for i, r in enumerate(_sample_rows(), 1) if r in rows]
    assert (first, last) == (row_numbers[0], row_numbers[-1])


def test_a_bad_value_in_a_late_chunk_is_named_and_the_period_keeps_its_rows(
    tmp_path: Path,
) -> None:
    bills = tmp_path / "bills"
    bills.mkdir()
    target = bills / "focus.csv"
    target.write_bytes(FOCUS_SAMPLE.read_bytes())
    config = _config(tmp_path, bills)
    load_billing_partition(config, config.sources[0], PERIOD)
    before = _query(tmp_path, "select count(*), sum(billed_cost) from marts.cost_lines")

    rows = _sample_rows()
    bad_row = 901  # the 901st data row: chunk 15 of 64-row chunks
    assert rows[bad_row - 1]["BillingPeriodStart"].startswith(PERIOD)
    rows[bad_row - 1]["BilledCost"] = "12,50"
    with target.open("w", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_MINIMAL)
        out.writeheader()
        out.writerows(rows)

    with pytest.raises(InputError) as failed:
        load_billing_partition(config, config.sources[0], PERIOD)

    [problem] = failed.value.problems
    assert (problem.file, problem.row, problem.column) == (str(target), bad_row, "BilledCost")
    assert "'12,50'" in problem.message
    assert _query(tmp_path, "select count(*), sum(billed_cost) from marts.cost_lines") == before
