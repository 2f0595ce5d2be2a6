"""AWS CUR: real samples, generated exports in both layouts, amortization worked by hand."""

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from connectors.aws.export import CurExport, canonical_columns
from connectors.aws.load import cur_problems, normalize_cur
from connectors.files import LocalFileSystem
from tests.conftest import DATA
from tests.cur_exports import (
    LINE_ITEMS,
    RI_ARN,
    SP_ARN,
    cur2_layout,
    cur2_parquet,
    legacy_csv_gz,
    legacy_layout,
)

AWS = DATA / "aws"
D = Decimal


def _load(root: Path, period: str) -> pl.DataFrame:
    export = CurExport(str(root), LocalFileSystem())
    discovery = export.discover()
    assert discovery.unplaced == []
    raw = export.read(period, discovery.periods[period]).collect()
    lines = normalize_cur(raw.lazy(), source="cur", period=period).collect()
    assert cur_problems(raw, lines) == []
    return lines


def _by_type(lines: pl.DataFrame) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        row["x_line_item_type"]
        + ("" if row["x_line_item_type"] != "Usage" else ":" + (row["x_instance_type"] or "")): row
        for row in lines.iter_rows(named=True)
    }


# Worked by hand from tests/cur_exports.LINE_ITEMS:
# billed    196.64 + 29.49 + 10.06 - 10.06 + 100 + 0 + 50 + 1000 + 8 - 20 + 21.50 = 1385.63
# effective 196.64 + 29.49 + 6.00 + 0 + (100 - 6) + 12.50 + (3 + 2) + 0 + 8 - 20 + 21.50 = 353.13
# contracted: billed with line 1 net 186.81 (not 196.64), the EDP discount net 0 and the reserved
#   usage at its on-demand cost 15.30 (not 0) = 1411.10
# list      196.64 + 98.31 + 10.06 + 15.30 + 21.50 = 341.81
# GPU-hours 2 x 8 (p5) + 3 x 8 (p4d spot) + 10 x 1 (g5, SP) + 5 x 1 (p3, RI) + 0 (trn1) = 55
EXPECTED = {
    "billed_cost": D("1385.63"),
    "effective_cost": D("353.13"),
    "contracted_cost": D("1411.10"),
    "list_cost": D("341.81"),
    "x_gpu_hours": D("55"),
}


@pytest.mark.parametrize("layout", ["legacy_csv", "cur2_parquet"])
def test_generated_export_amortizes_as_worked_by_hand(tmp_path: Path, layout: str) -> None:
    if layout == "legacy_csv":
        legacy_layout(tmp_path, "cur", "2026-10", [legacy_csv_gz("2026-10")])
    else:
        cur2_layout(tmp_path, "exports", "2026-10", cur2_parquet("2026-10"))
    lines = _load(tmp_path, "2026-10")
    assert lines.height == len(LINE_ITEMS)
    for column, total in EXPECTED.items():
        assert lines[column].sum() == total, column
    rows = _by_type(lines)
    p5 = rows["Usage:p5.48xlarge"]
    assert (p5["pricing_category"], p5["x_gpu_count"], p5["x_gpu_model"]) == ("Standard", 8, "H100")
    assert (p5["service_name"], p5["service_category"], p5["region"]) == (
        "Amazon Elastic Compute Cloud",
        "Compute",
        "us-east-1",
    )
    tag_key = "user:team" if layout == "legacy_csv" else "user_team"
    assert {"key": tag_key, "value": "research"} in p5["tags"]
    spot = rows["Usage:p4d.24xlarge"]  # instance type parsed from USE1-SpotUsage:p4d.24xlarge
    assert (spot["pricing_category"], spot["x_gpu_hours"]) == ("Dynamic", 24)
    covered = rows["SavingsPlanCoveredUsage"]
    assert (
        covered["effective_cost"],
        covered["pricing_category"],
        covered["commitment_discount_id"],
        covered["commitment_discount_status"],
    ) == (6, "Committed", SP_ARN, "Used")
    assert rows["SavingsPlanNegation"]["effective_cost"] == 0
    fee = rows["SavingsPlanRecurringFee"]
    assert (
        fee["effective_cost"],
        fee["charge_category"],
        fee["charge_frequency"],
        fee["commitment_discount_status"],
    ) == (94, "Purchase", "Recurring", "Unused")
    assert rows["DiscountedUsage"]["effective_cost"] == D("12.5")
    assert rows["DiscountedUsage"]["commitment_discount_id"] == RI_ARN
    assert rows["RIFee"]["effective_cost"] == 5
    assert rows["RIFee"]["x_gpu_hours"] is None  # a fee is not GPU usage
    assert rows["Fee"]["effective_cost"] == 0  # RI upfront, already spread into usage
    assert rows["Tax"]["pricing_category"] is None and rows["Tax"]["effective_cost"] == 8
    assert rows["EdpDiscount"]["charge_category"] == "Credit"
    trainium = rows["Usage:trn1.32xlarge"]
    assert (
        trainium["x_gpu_count"],
        trainium["x_accelerator_count"],
        trainium["x_accelerator_type"],
        trainium["x_gpu_hours"],
    ) == (0, 16, "Trainium", 0)


def test_pricing_term_spot_is_the_fallback_when_the_usage_type_does_not_say() -> None:
    items = [
        (
            "Usage",
            "USE1-RunInstances",
            "g6.xlarge",
            "1",
            "Hrs",
            "0.30",
            "0.30",
            "0.80",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "Spot",
            {},
        )
    ]
    raw = pl.read_csv(legacy_csv_gz("2026-10", items), infer_schema=False)
    raw = raw.rename(canonical_columns(raw.columns)).with_columns(
        pl.lit("f").alias("_file"), pl.lit(1, dtype=pl.Int64).alias("_row")
    )
    row = normalize_cur(raw.lazy(), source="s", period="2026-10").collect().row(0, named=True)
    assert (row["pricing_category"], row["x_gpu_model"]) == ("Dynamic", "L4")


def test_column_names_from_every_generation_meet() -> None:
    renamed = canonical_columns(
        [
            "lineItem/UnblendedCost",
            "line_item_unblended_cost",
            "savingsPlan/SavingsPlanARN",
            "savings_plan_savings_plan_a_r_n",
            "reservation/ReservationARN",
            "resourceTags/user:Name",
            "resource_tags_user_cost_center",
            "product/regionCode",
            "\ufeffidentity/LineItemId",
        ]
    )
    assert list(renamed.values()) == [
        "line_item_unblended_cost",
        "line_item_unblended_cost",
        "savings_plan_savings_plan_a_r_n",
        "savings_plan_savings_plan_a_r_n",
        "reservation_reservation_a_r_n",
        "tag:user:Name",
        "tag:user_cost_center",
        "product_region_code",
        "identity_line_item_id",
    ]


def test_real_legacy_sample_reconciles_to_its_own_sums() -> None:
    lines = _load(AWS / "sample-anonymous-aws-export-dataset.csv", "2023-11")
    # Summed from the file with DuckDB: Usage 1,269 rows 1.6023086974, Tax 12 rows 0.08.
    totals = dict(lines.group_by("x_line_item_type").agg(pl.col("billed_cost").sum()).iter_rows())
    assert totals == {"Usage": D("1.6023086974"), "Tax": D("0.08")}
    assert lines["effective_cost"].sum() == lines["billed_cost"].sum()  # no commitments here
    assert lines.filter(pl.col("x_line_item_type") == "Tax")["pricing_category"].null_count() == 12
    assert set(lines["billing_currency"]) == {"USD"}


def test_real_samples_with_ragged_rows_athena_names_and_savings_plans() -> None:
    ragged = _load(AWS / "test_cur.csv", "2018-06")  # header 131 fields, rows 130
    assert (ragged.height, ragged["billed_cost"].sum()) == (19, D("0.082749984"))
    athena = _load(AWS / "2022-07-01-alt-columns.csv", "2022-07")
    assert athena["tags"].to_list()[0] == [{"key": "aws_created_by", "value": "IAMUser:fake:and"}]
    assert athena["region"].to_list() == ["us-east-1", "us-east-1"]
    nok = _load(AWS / "2023-06-01.csv", "2023-06")
    assert set(nok["billing_currency"]) == {"NOK"}
    assert (nok["billed_cost"].sum(), nok["effective_cost"].sum()) == (D("30"), D("0.3"))
    assert set(nok["pricing_category"]) == {"Committed"}
    assert set(nok["x_instance_type"]) == {"m5.large"}
    assert nok["x_gpu_count"].null_count() == 3  # not a GPU instance


def test_newest_legacy_delivery_wins_and_older_assemblies_are_ignored(tmp_path: Path) -> None:
    older = legacy_csv_gz("2026-10", LINE_ITEMS[:2])
    legacy_layout(tmp_path, "cur", "2026-10", [older, legacy_csv_gz("2026-10")])
    discovery = CurExport(str(tmp_path), LocalFileSystem()).discover()
    [only] = discovery.periods["2026-10"]
    assert "00000000-0000-0000-0000-000000000001/report-1.csv.gz" in only.uri
    assert _load(tmp_path, "2026-10")["billed_cost"].sum() == D("1385.63")


def test_missing_column_and_missing_manifest_file_are_reported(tmp_path: Path) -> None:
    from aispend.errors import InputProblemError

    cur2_layout(
        tmp_path / "a",
        "exports",
        "2026-10",
        cur2_parquet("2026-10"),
        extra_listed="exports/cur2/data/BILLING_PERIOD=2026-10/cur2-00002.snappy.parquet",
    )
    discovery = CurExport(str(tmp_path / "a"), LocalFileSystem()).discover()
    assert discovery.unplaced == []
    [problem] = discovery.failed["2026-10"]
    assert "cur2-00002.snappy.parquet, which is not in the export" in problem.message

    broken = tmp_path / "b" / "BILLING_PERIOD=2026-10" / "part.csv"
    broken.parent.mkdir(parents=True)
    broken.write_text("lineItem/LineItemType,lineItem/UsageStartDate\nUsage,2026-10-01T00:00:00Z\n")
    export = CurExport(str(tmp_path / "b"), LocalFileSystem())
    with pytest.raises(InputProblemError) as err:
        export.read("2026-10", export.discover().periods["2026-10"])
    assert err.value.problem.column == "line_item_unblended_cost"
    assert "required CUR column" in err.value.problem.message


def test_cur2_create_new_mode_reads_only_the_newest_execution(tmp_path: Path) -> None:
    import os

    old = "2026-10-02T06:00:00.000Z-11111111-aaaa-bbbb-cccc-000000000001"
    new = "2026-10-03T06:00:00.000Z-22222222-aaaa-bbbb-cccc-000000000002"
    # With the manifest: it names the newest execution's files.
    with_manifest = tmp_path / "m"
    cur2_layout(
        with_manifest, "exports", "2026-10", cur2_parquet("2026-10", LINE_ITEMS[:2]), execution=old
    )
    cur2_layout(with_manifest, "exports", "2026-10", cur2_parquet("2026-10"), execution=new)
    assert _load(with_manifest, "2026-10")["billed_cost"].sum() == D("1385.63")
    # Without any manifest (copied data only): the newest delivery folder, never both.
    bare = tmp_path / "bare"
    first = cur2_layout(
        bare,
        "exports",
        "2026-10",
        cur2_parquet("2026-10", LINE_ITEMS[:2]),
        execution=old,
        manifest=False,
    )
    os.utime(bare / first, (1_700_000_000, 1_700_000_000))
    cur2_layout(bare, "exports", "2026-10", cur2_parquet("2026-10"), execution=new, manifest=False)
    assert _load(bare, "2026-10")["billed_cost"].sum() == D("1385.63")


def test_legacy_parquet_year_month_partitions(tmp_path: Path) -> None:
    path = tmp_path / "cur" / "report" / "report" / "year=2026" / "month=10" / "r-1.snappy.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(cur2_parquet("2026-10"))
    discovery = CurExport(str(tmp_path), LocalFileSystem()).discover()
    assert list(discovery.periods) == ["2026-10"]
    assert _load(tmp_path, "2026-10")["effective_cost"].sum() == D("353.13")
