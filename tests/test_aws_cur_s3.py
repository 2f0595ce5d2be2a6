"""CUR exports served by moto's S3 server over HTTP: layouts, restatements, failures, the CLI."""

import gzip
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pytest

from aispend.billing_load import discover, load_billing_partition
from aispend.config import load_config
from aispend.errors import InputError
from aispend.storage import open_warehouse
from tests.conftest import write_config
from tests.cur_exports import (
    LINE_ITEMS,
    cur2_layout,
    cur2_parquet,
    legacy_csv_gz,
    legacy_layout,
)

D = Decimal


def _upload(s3, local: Path) -> None:  # type: ignore[no-untyped-def]
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        s3.upload_file(str(path), "bills", str(path.relative_to(local)))


def _totals(db: Path) -> dict[str, tuple[int, Decimal, Decimal]]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select x_billing_period, count(*), sum(billed_cost), sum(effective_cost) "
        "from marts.cost_lines group by 1"
    ).fetchall()
    con.close()
    return {p: (n, b, e) for p, n, b, e in rows}


@pytest.fixture
def bucket(s3_endpoint: str):  # type: ignore[no-untyped-def]
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="bills")
    return s3


def test_legacy_and_cur2_layouts_restatement_and_idempotency(
    bucket, s3_endpoint: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    staging = tmp_path / "staging"
    legacy_layout(staging, "cur", "2026-09", [legacy_csv_gz("2026-09")])
    cur2_layout(staging, "exports", "2026-10", cur2_parquet("2026-10"))
    _upload(bucket, staging)
    config = load_config(
        write_config(
            tmp_path,
            [
                {
                    "name": "legacy",
                    "kind": "aws_cur",
                    "path": "s3://bills/cur/",
                    "endpoint_url": s3_endpoint,
                },
                {
                    "name": "cur2",
                    "kind": "aws_cur",
                    "path": "s3://bills/exports/cur2/",
                    "endpoint_url": s3_endpoint,
                },
            ],
        )
    )
    legacy, cur2 = config.sources
    for _ in range(2):  # loading twice changes nothing
        load_billing_partition(config, legacy, "2026-09")
        load_billing_partition(config, cur2, "2026-10")
        assert _totals(config.warehouse_path) == {
            "2026-09": (11, D("1385.63"), D("353.13")),
            "2026-10": (11, D("1385.63"), D("353.13")),
        }
    assert open_warehouse(config).changed_periods(discover(config, cur2), "cur2") == {}

    # AWS restates October: line 1 re-rated to 200.00 and a late line of 1.00 arrives.
    restated = [list(item) for item in LINE_ITEMS]
    restated[0][5] = "200.00"
    restated.append(
        [
            "Usage",
            "BoxUsage:m5.large",
            "m5.large",
            "1",
            "Hrs",
            "1.00",
            "1.00",
            "1.00",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "OnDemand",
            {},
        ]
    )
    restated_body = cur2_parquet("2026-10", [tuple(r) for r in restated])
    cur2_layout(staging, "exports", "2026-10", restated_body)
    _upload(bucket, staging)
    assert list(open_warehouse(config).changed_periods(discover(config, cur2), "cur2")) == [
        "2026-10"
    ]  # the re-delivery is seen, not skipped
    load_billing_partition(config, cur2, "2026-10")
    # 1385.63 - 196.64 + 200.00 + 1.00 = 1389.99; effective 353.13 + 3.36 + 1.00 = 357.49
    assert _totals(config.warehouse_path)["2026-10"] == (12, D("1389.99"), D("357.49"))
    assert _totals(config.warehouse_path)["2026-09"] == (11, D("1385.63"), D("353.13"))


def test_a_manifest_naming_a_missing_file_fails_only_that_period(
    bucket, s3_endpoint: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    staging = tmp_path / "staging"
    cur2_layout(staging, "exports", "2026-10", cur2_parquet("2026-10"))
    cur2_layout(staging, "exports", "2026-11", cur2_parquet("2026-11", LINE_ITEMS[:1]))
    _upload(bucket, staging)
    config = load_config(
        write_config(
            tmp_path,
            [
                {
                    "name": "cur2",
                    "kind": "aws_cur",
                    "path": "s3://bills/exports/cur2/",
                    "endpoint_url": s3_endpoint,
                }
            ],
        )
    )
    source = config.sources[0]
    load_billing_partition(config, source, "2026-10")
    load_billing_partition(config, source, "2026-11")

    missing = "exports/cur2/data/BILLING_PERIOD=2026-10/cur2-00002.snappy.parquet"
    cur2_layout(
        staging, "exports", "2026-10", cur2_parquet("2026-10", LINE_ITEMS[:3]), extra_listed=missing
    )
    _upload(bucket, staging)
    with pytest.raises(InputError, match="cur2-00002.snappy.parquet, which is not in the export"):
        load_billing_partition(config, source, "2026-10")
    load_billing_partition(config, source, "2026-11")
    totals = _totals(config.warehouse_path)
    assert totals["2026-10"] == (11, D("1385.63"), D("353.13"))  # kept as it was
    assert totals["2026-11"] == (1, D("196.64"), D("196.64"))


def test_cli_run_on_cur_reports_a_missing_column_and_checks_pass(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exports = tmp_path / "exports"
    cur2_layout(exports, "x", "2026-09", cur2_parquet("2026-09"))
    legacy_layout(exports, "y", "2026-10", [legacy_csv_gz("2026-10")])
    write_config(tmp_path, [{"name": "aws", "kind": "aws_cur", "path": "exports"}])
    first = cli("run")
    assert first.exit_code == 0, first.output
    assert "aws 2026-09: loaded 11 rows" in first.output
    assert "checks: 10 passed, 0 failed" in first.output  # 3 source checks x 2 loads + 4 model
    # GPU lines (by hand): p5 196.64 (run and team tagged), p4d spot 29.49 (team only), g5 under
    # the Savings Plan 6.00, its negation 0, p3 reserved 12.50, the RI fee 5.00, EDP discount on
    # p5 usage -20.00: 229.63 in all; without a run tag 32.99 over 24 + 10 + 5 = 39 GPU-hours;
    # without a team 3.50. CUR 2.0 keys (user_training_run) and legacy keys (user:training_run)
    # must match the same config key.
    untagged = cli(
        "sql",
        "--format",
        "csv",
        "select billing_period, gpu_effective_cost, untagged_effective_cost, "
        "untagged_gpu_hours, no_team_effective_cost from marts.untagged_gpu_spend "
        "order by 1",
    )
    assert untagged.output.splitlines()[1:] == [
        "2026-09,229.63,32.99,39.00,3.50",
        "2026-10,229.63,32.99,39.00,3.50",
    ]

    # A re-delivered October without its cost column: October fails and keeps its rows.
    text = gzip.decompress(legacy_csv_gz("2026-10"))
    bad = gzip.compress(text.replace(b"lineItem/UnblendedCost", b"lineItem/Unblended"))
    legacy_layout(exports, "y", "2026-10", [legacy_csv_gz("2026-10"), bad])
    second = cli("run")
    assert second.exit_code == 1
    assert "aws 2026-10: FAILED, period kept as it was" in second.output
    assert "column 'line_item_unblended_cost': required CUR column" in second.output
    answer = cli(
        "sql",
        "--format",
        "csv",
        "select x_billing_period, sum(billed_cost) as billed, "
        "sum(x_gpu_hours) as gpu_hours from marts.cost_lines group by 1 order by 1",
    )
    assert answer.output.splitlines() == [
        "x_billing_period,billed,gpu_hours",
        "2026-09,1385.63,55.00",
        "2026-10,1385.63,55.00",
    ]
