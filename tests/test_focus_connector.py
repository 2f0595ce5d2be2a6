"""FOCUS reading and normalization, checked against values worked out by hand from the inputs."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aispend.errors import InputProblemError
from connectors.cost_model import COLUMN_NAMES
from connectors.files import LocalFileSystem
from connectors.focus.export import FocusExport
from connectors.focus.normalize import focus_problems, normalize_focus, parse_tags
from connectors.parsing import control_totals
from tests.conftest import DATA, FOCUS_SAMPLE

QUIRKS_CSV = '''\
BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingAccountId,\
SubAccountId,ServiceProviderName,ProviderName,HostProviderName,ChargeCategory,ChargeFrequency,\
PricingCategory,ServiceName,ResourceId,RegionId,ConsumedQuantity,ConsumedUnit,ListCost,\
ContractedCost,BilledCost,EffectiveCost,BillingCurrency,SkuPriceDetails,Tags,ContractApplied,\
AllocatedMethodId,AllocatedResourceId
2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-05T10:00:00Z,2026-10-05T12:00:00Z,acct-1,\
sub-1,AWS,AWS,AWS,usage,usage-based,on-demand,Amazon Elastic Compute Cloud,i-0abc,us-east-1,2,\
Hours,196.64,180.00,196.64,150.00,usd,"{""InstanceType"": ""p5.48xlarge""}",\
"""team"": ""research"", ""training_run"": ""llm-7b""",NULL,NULL,NULL
2026-10-01 00:00:00+02:00,2026-11-01 00:00:00+01:00,2026-10-05 12:00:00+02:00,\
2026-10-05 13:00:00+02:00,acct-1,sub-1,NULL,Microsoft,NULL,Usage,Usage-based,Standard,\
Virtual Machines,vm-1,westeurope,1,Hours,5.64902E-05,NULL,5.64902E-05,5.64902E-05,USD,NULL,\
"{""env"": ""prod"", ""cost"": 3}",NULL,NULL,NULL
2026-10-01,2026-11-01,2026-10-31 23:00:00,2026-11-01 00:00:00,acct-1,,Snowflake,Google Cloud,\
Google Cloud,Tax,One-Time,NULL,Tax,NULL,NULL,NULL,NULL,NULL,NULL,1.10,1.10,USD,NULL,NULL,\
"{""Elements"": [{""ContractID"": ""c-1""}]}",split-by-usage,cluster-7
'''


def _export(path: Path) -> FocusExport:
    return FocusExport(str(path), LocalFileSystem())


def _problems(raw: pl.DataFrame) -> list:  # type: ignore[type-arg]
    period = raw.get_column("BillingPeriodStart").cast(pl.Utf8).str.slice(0, 7).item(0)
    return focus_problems(raw, normalize_focus(raw.lazy(), source="s", period=period).collect())


def _load(path: Path, period: str) -> pl.DataFrame:
    export = _export(path)
    files = export.discover().periods[period]
    raw = export.read(period, files).collect()
    lines = normalize_focus(raw.lazy(), source="s", period=period).collect()
    assert focus_problems(raw, lines) == []
    return lines


def test_quirky_rows_normalize_to_the_values_worked_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "focus.csv"
    path.write_text(QUIRKS_CSV)
    discovery = _export(path).discover()
    # Row 2's period starts 2026-09-30 22:00 UTC but means October: all three are 2026-10.
    assert list(discovery.periods) == ["2026-10"] and discovery.unplaced == []
    out = _load(path, "2026-10")
    assert out.columns == COLUMN_NAMES
    aws, azure, tax = out.rows(named=True)

    assert aws["provider"] == "AWS"
    assert aws["charge_category"] == "Usage"
    assert aws["charge_frequency"] == "Usage-Based"
    assert aws["pricing_category"] == "Standard"  # "on-demand" (pre-1.0 spelling)
    assert aws["billing_currency"] == "USD"
    assert aws["charge_period_start"] == datetime(2026, 10, 5, 10)
    assert aws["charge_period_end"] == datetime(2026, 10, 5, 12)
    assert aws["billing_period_start"] == date(2026, 10, 1)
    assert aws["billed_cost"] == Decimal("196.64")
    assert aws["effective_cost"] == Decimal("150")
    assert aws["list_cost"] == Decimal("196.64")
    assert aws["contracted_cost"] == Decimal("180")
    assert aws["x_instance_type"] == "p5.48xlarge"
    assert aws["x_gpu_count"] == Decimal(8)
    assert aws["x_gpu_hours"] == Decimal(16)  # 2 instance-hours x 8 GPUs
    assert aws["x_gpu_model"] == "H100"
    assert aws["tags"] == [
        {"key": "team", "value": "research"},
        {"key": "training_run", "value": "llm-7b"},
    ]  # JSON without braces

    assert azure["provider"] == "Microsoft"  # ServiceProviderName NULL -> ProviderName
    assert azure["charge_period_start"] == datetime(2026, 10, 5, 10)  # 12:00+02:00
    assert azure["charge_frequency"] == "Usage-Based"  # "Usage-based"
    assert azure["billed_cost"] == Decimal("0.0000564902")  # 5.64902E-05, exact
    assert azure["contracted_cost"] is None  # "NULL"
    assert azure["x_gpu_count"] is None and azure["x_gpu_hours"] is None
    assert azure["tags"] == [{"key": "env", "value": "prod"}, {"key": "cost", "value": "3"}]

    assert tax["provider"] == "Snowflake"  # FOCUS 1.3: ServiceProviderName wins
    assert tax["x_host_provider"] == "Google Cloud"
    assert tax["charge_category"] == "Tax" and tax["pricing_category"] is None
    assert tax["sub_account_id"] is None
    assert tax["charge_period_start"] == datetime(2026, 10, 31, 23)
    assert tax["x_contract_applied"] == '{"Elements": [{"ContractID": "c-1"}]}'
    assert (tax["x_allocated_method_id"], tax["x_allocated_resource_id"]) == (
        "split-by-usage",
        "cluster-7",
    )

    assert out["billed_cost"].sum() == Decimal("197.7400564902")
    assert out["x_source_row"].to_list() == [1, 2, 3]
    assert set(out["x_source_file"]) == {str(path)}


def test_typed_parquet_with_a_map_of_tags_gives_the_same_model(tmp_path: Path) -> None:
    table = pa.table(
        {
            "BillingPeriodStart": pa.array([datetime(2026, 10, 1)], pa.timestamp("us", tz="UTC")),
            "BillingPeriodEnd": pa.array([datetime(2026, 11, 1)], pa.timestamp("us", tz="UTC")),
            "ChargePeriodStart": pa.array(
                [datetime(2026, 10, 5, 10)], pa.timestamp("ms", tz="UTC")
            ),
            "ChargePeriodEnd": pa.array([datetime(2026, 10, 5, 11)], pa.timestamp("ms", tz="UTC")),
            "ProviderName": ["AWS"],
            "BilledCost": pa.array([Decimal("98.32")], pa.decimal128(18, 8)),
            "EffectiveCost": pa.array([12.5], pa.float64()),
            "BillingCurrency": ["USD"],
            "Tags": pa.array([[("team", "vision")]], pa.map_(pa.string(), pa.string())),
        }
    )
    path = tmp_path / "BILLING_PERIOD=2026-10" / "part-0.parquet"
    path.parent.mkdir()
    pq.write_table(table, path)
    row = _load(tmp_path, "2026-10").row(0, named=True)
    assert row["billed_cost"] == Decimal("98.32")
    assert row["effective_cost"] == Decimal("12.5")
    assert row["charge_period_start"] == datetime(2026, 10, 5, 10)
    assert row["tags"] == [{"key": "team", "value": "vision"}]


def test_bundled_sample_splits_into_periods_with_the_files_own_totals() -> None:
    export = _export(FOCUS_SAMPLE)
    discovery = export.discover()
    assert {p: len(f) for p, f in discovery.periods.items()} == {"2024-09": 1, "2024-10": 1}
    out = _load(FOCUS_SAMPLE, "2024-09")
    by_provider = dict(out.group_by("provider").agg(pl.col("billed_cost").sum()).iter_rows())
    # Summed from the CSV's BilledCost column (NULL strings skipped) outside aispend.
    assert by_provider == {
        "AWS": Decimal("18.0066386184"),
        "Microsoft": Decimal("1.9765141858"),
        "Oracle": Decimal("0.2970739247"),
    }
    assert out.height == 999
    assert set(out["charge_frequency"].drop_nulls()) <= {"Usage-Based", "One-Time", "Recurring"}


def test_control_totals_sum_the_raw_text_exactly() -> None:
    export = _export(FOCUS_SAMPLE)
    raw = export.read("2024-10", export.discover().periods["2024-10"]).collect()
    assert control_totals(raw, "BilledCost", "BillingCurrency") == [
        ("USD", 1, Decimal("0.24000000000"))
    ]


def test_non_numeric_cost_and_bad_timestamp_name_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "BillingPeriodStart,ChargePeriodStart,BilledCost\n"
        "2026-10-01,2026-10-02T00:00:00Z,1.00\n"
        "2026-10-01,2026-10-02T00:00:00Z,twelve\n"
        "2026-10-01,yesterday,3.00\n"
    )
    export = _export(path)
    raw = export.read("2026-10", export.discover().periods["2026-10"]).collect()
    problems = [(p.row, p.column, p.message) for p in _problems(raw)]
    assert problems == [
        (2, "BilledCost", "a number expected, found 'twelve'"),
        (3, "ChargePeriodStart", "a timestamp expected, found 'yesterday'"),
    ]


def test_spec_example_with_hour_30_is_reported_not_guessed() -> None:
    path = DATA / "focus" / "commitment_discount_purchase_scenario_2.csv"
    export = _export(path)
    raw = export.read("2023-01", export.discover().periods["2023-01"]).collect()
    [problem] = _problems(raw)
    assert (problem.file, problem.row, problem.column) == (str(path), 3, "ChargePeriodEnd")
    assert "2023-02-01T30:00:00Z" in problem.message


def test_missing_required_columns(tmp_path: Path) -> None:
    no_cost = tmp_path / "a" / "no_cost.csv"
    no_cost.parent.mkdir()
    no_cost.write_text(
        "BillingPeriodStart,ChargePeriodStart,EffectiveCost\n2026-10-01,2026-10-02,1\n"
    )
    export = _export(no_cost)
    with pytest.raises(InputProblemError) as err:
        export.read("2026-10", export.discover().periods["2026-10"])
    assert (err.value.problem.file, err.value.problem.column) == (str(no_cost), "BilledCost")

    no_period = tmp_path / "b" / "no_period.csv"
    no_period.parent.mkdir()
    no_period.write_text("ChargePeriodStart,BilledCost\n2026-10-02,1\n")
    discovery = _export(no_period).discover()
    assert discovery.periods == {}
    assert [p.column for p in discovery.unplaced] == ["BillingPeriodStart"]


def test_minimal_spec_example_without_provider_or_currency_loads() -> None:
    out = _load(DATA / "focus" / "commitment_discount_usage_scenario_1.csv", "2023-01")
    row = out.row(0, named=True)
    assert (row["billed_cost"], row["effective_cost"]) == (Decimal("0"), Decimal("1"))
    assert row["pricing_category"] == "Committed"
    assert row["commitment_discount_status"] == "Used"
    assert row["provider"] is None and row["billing_currency"] is None


def test_invalid_tags_are_reported_by_row(tmp_path: Path) -> None:
    path = tmp_path / "tags.csv"
    path.write_text(
        "BillingPeriodStart,ChargePeriodStart,BilledCost,Tags\n"
        '2026-10-01,2026-10-02,1,"{""team"": ""a""}"\n'
        "2026-10-01,2026-10-02,1,team=research\n"
    )
    export = _export(path)
    raw = export.read("2026-10", export.discover().periods["2026-10"]).collect()
    [problem] = _problems(raw)
    assert (problem.row, problem.column) == (2, "Tags")
    assert "not a JSON object: 'team=research'" in problem.message


def test_tags_parsing() -> None:
    assert parse_tags('{"a": "b"}') == [{"key": "a", "value": "b"}]
    assert parse_tags('"a": "b"') == [{"key": "a", "value": "b"}]
    assert parse_tags('{"n": 1, "l": [1]}') == [
        {"key": "n", "value": "1"},
        {"key": "l", "value": "[1]"},
    ]
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_tags("team=research")


def test_gzip_csv_with_a_byte_order_mark_reads_like_plain_csv(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "export-00001.csv.gz"
    path.write_bytes(gzip.compress(("\ufeff" + QUIRKS_CSV).encode("utf-8")))
    out = _load(path, "2026-10")
    assert out.height == 3
    assert out["billed_cost"].sum() == Decimal("197.7400564902")


def test_a_file_that_is_not_csv_is_reported_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00 truncated gzip")
    discovery = _export(path).discover()
    assert discovery.periods == {}
    [problem] = discovery.unplaced
    assert problem.file == str(path) and "cannot be read as FOCUS data" in problem.message


def test_tag_keys_are_matched_in_one_normalized_form() -> None:
    from connectors.cost_model import normalize_tag_key

    for key in (
        "training_run",
        "user:training_run",
        "user_training_run",
        "Training-Run",
        "user:Training.Run",
    ):
        assert normalize_tag_key(key) == "training_run"
    assert normalize_tag_key("username") == "username"  # only the prefix with its separator
