"""The SQL load of CUR parquet: what reading the files in DuckDB must keep from the frame path
(errors by file, row and column; periods from rows; tags; GPU catalog joins)."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aispend.billing_load import load_billing_partition
from aispend.config import config_from_dict
from aispend.errors import InputError
from connectors.aws.load import normalize_cur
from connectors.aws.lookups import accelerator_table
from connectors.gpu_sizes import accelerators

D = Decimal


def _cur(
    path: Path,
    costs: list[str | float],
    starts: list[str],
    *,
    periods: list[str],
    tags: list[dict[str, str]] | None = None,
) -> None:
    """A CUR 2.0-shaped parquet file; costs as text where a test needs a wrong value."""
    n = len(costs)
    cost_type = pa.string() if any(isinstance(c, str) for c in costs) else pa.float64()
    start_type = pa.string() if isinstance(starts[0], str) else pa.timestamp("us")
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "bill_billing_period_start_date": pa.array(
                    [datetime.fromisoformat(p + "-01") for p in periods],
                    pa.timestamp("ms", tz="UTC"),
                ),
                "line_item_line_item_type": ["Usage"] * n,
                "line_item_usage_start_date": pa.array(starts, start_type),
                "line_item_usage_type": ["USE1-BoxUsage:p5.48xlarge"] * n,
                "line_item_usage_amount": [1.0] * n,
                "pricing_unit": ["Hrs"] * n,
                "line_item_unblended_cost": pa.array(costs, cost_type),
                "line_item_currency_code": ["USD"] * n,
                "resource_tags": pa.array(
                    [list((tags or [{}] * n)[i].items()) for i in range(n)],
                    pa.map_(pa.string(), pa.string()),
                ),
            }
        ),
        path,
    )


def _config(tmp_path: Path, root: Path):  # type: ignore[no-untyped-def]
    return config_from_dict(
        {
            "warehouse": str(tmp_path / "w.duckdb"),
            "prices": {"fetch": False},
            "sources": [{"name": "cur", "kind": "aws_cur", "path": str(root)}],
        },
        base_dir=tmp_path,
        origin="test",
    )


def _lines(tmp_path: Path) -> list[tuple]:  # type: ignore[type-arg]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT x_billing_period, x_source_row, billed_cost, charge_period_start, "
            "x_tags_normalized, x_gpu_hours FROM marts.cost_lines ORDER BY x_source_row"
        ).fetchall()
    finally:
        con.close()


def test_a_text_cost_in_parquet_is_refused_by_file_row_and_column_and_the_period_kept(
    tmp_path: Path,
) -> None:
    root = tmp_path / "cur" / "data" / "BILLING_PERIOD=2026-10"
    good = root / "part-1.parquet"
    _cur(good, [1.25, 2.5], ["2026-10-01T00:00:00Z"] * 2, periods=["2026-10"] * 2)
    config = _config(tmp_path, tmp_path / "cur")
    load_billing_partition(config, config.sources[0], "2026-10")
    assert sum(row[2] for row in _lines(tmp_path)) == D("3.75")

    good.unlink()
    _cur(
        root / "part-2.parquet",
        ["4.00", "4,50", "1O.5"],
        ["2026-10-01T00:00:00Z"] * 3,
        periods=["2026-10"] * 3,
    )
    with pytest.raises(InputError) as err:
        load_billing_partition(config, config.sources[0], "2026-10")
    message = str(err.value)
    assert f"{root / 'part-2.parquet'}, row 2, column 'line_item_unblended_cost'" in message
    assert "'4,50'" in message and "row 3" in message and "'1O.5'" in message
    assert sum(row[2] for row in _lines(tmp_path)) == D("3.75")  # the period kept its rows


def test_a_file_without_a_period_in_its_path_gives_each_period_its_rows(tmp_path: Path) -> None:
    # Text timestamps with offsets become naive UTC: 01:30+02:00 is 23:30 the day before.
    _cur(
        tmp_path / "cur" / "all.parquet",
        [1.0, 2.0, 4.0],
        ["2026-09-30T10:00:00Z", "2026-10-02T01:30:00+02:00", "2026-10-03T00:00:00"],
        periods=["2026-09", "2026-10", "2026-10"],
        tags=[{"user_team": "a"}, {"user_team": "b", "user:Team": "c"}, {"user_team": ""}],
    )
    config = _config(tmp_path, tmp_path / "cur")
    assert load_billing_partition(config, config.sources[0], "2026-10").rows == 2
    assert load_billing_partition(config, config.sources[0], "2026-09").rows == 1
    rows = {(period, row): rest for period, row, *rest in _lines(tmp_path)}
    assert rows[("2026-09", 1)][0] == D("1")
    october = rows[("2026-10", 2)]
    assert october[1] == datetime(2026, 10, 1, 23, 30)
    assert october[2] == {"team": "b"}  # two spellings of one key: the first one wins
    assert october[3] == D("8")  # 1 hour x 8 H100s
    assert rows[("2026-10", 3)][2] == {}  # an empty value is no tag


def test_the_catalog_table_is_the_lookup_in_join_form() -> None:
    table = accelerator_table().to_pylist()
    for row in table:
        hit = accelerators(row["key"])
        assert hit is not None
        assert (row["gpus"], row["gpu_model"], row["accelerators"], row["accelerator_type"]) == (
            hit.gpus,
            hit.gpu_model,
            hit.accelerators,
            hit.accelerator_type,
        )
    keys = {row["key"] for row in table}
    assert {
        "p5.48xlarge",
        "nc24ads_a100_v4",
        "standard_nc24ads_a100_v4",
        "a2-highgpu-4g",
        "g2-standard-8",
        "trn1.32xlarge",
    } <= keys


@pytest.mark.parametrize(
    ("instance", "gpus", "model"),
    [
        ("ML.P4D.24XLARGE", 8, "A100"),
        ("Standard_NC24ads_A100_v4", 1, "A100"),
        ("a2-highgpu-4g", 4, "A100"),
        ("g6f.xlarge", D("0.125"), "L4"),
        ("m5.large", None, None),
    ],
)
def test_sql_normalization_finds_gpus_as_the_catalog_does(
    instance: str, gpus: object, model: str | None
) -> None:
    raw = pl.DataFrame(
        {
            "line_item_line_item_type": ["Usage"],
            "line_item_unblended_cost": ["1"],
            "line_item_usage_start_date": ["2026-10-01T00:00:00Z"],
            "line_item_usage_amount": ["2"],
            "pricing_unit": ["Hrs"],
            "product_instance_type": [instance],
            "_file": ["f"],
            "_row": [1],
        }
    )
    row = normalize_cur(raw.lazy(), source="s", period="2026-10").collect().row(0, named=True)
    assert (row["x_gpu_count"], row["x_gpu_model"]) == (gpus, model)
    assert row["x_gpu_hours"] == (None if gpus is None else 2 * gpus)
