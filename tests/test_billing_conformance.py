"""Billing exports as providers and their tools really write them (tests/data/conformance/): spot
lines named only by their usage type, GCP credits given as one object, text in a money column,
cut-off and unlabelled compressed bills. Each file starts as the generator wrote it (see
SOURCES.md there); a test changes one thing about it, in a temporary copy."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import zstandard

from aispend.billing_load import load_billing_partition
from aispend.config import AispendConfig, load_config
from aispend.errors import InputError
from connectors.registry import billing_reader
from tests.conftest import write_config

CONFORMANCE = Path(__file__).parent / "data" / "conformance"
NISE_CUR = CONFORMANCE / "aws_cur" / "nise"
NISE_GCP = CONFORMANCE / "gcp_billing" / "nise"
NISE_AZURE = CONFORMANCE / "azure_cost" / "nise"
FOCUS_SAMPLE = Path(__file__).parent.parent / "aispend" / "demo_data" / "focus" / "focus_sample.csv"
D = Decimal


def _config(tmp_path: Path, kind: str, path: Path) -> AispendConfig:
    return load_config(write_config(tmp_path, [{"name": "bill", "kind": kind, "path": str(path)}]))


def _query(config: AispendConfig, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- AWS spot lines: the instance type only in the usage type ------------------------------


@pytest.mark.parametrize("layout", ["cur", "cur2_parquet", "cur2_csv"])
def test_spot_lines_get_gpu_hours_and_spot_pricing_from_the_usage_type(
    tmp_path: Path, layout: str
) -> None:
    shutil.copytree(NISE_CUR / layout, tmp_path / "bills")
    config = _config(tmp_path, "aws_cur", tmp_path / "bills")
    load_billing_partition(config, config.sources[0], "2026-09")
    rows = _query(
        config,
        "select x_instance_type, pricing_category, sum(x_gpu_hours), "
        "count(*) from marts.cost_lines group by all order by 1",
    )
    # USE1-SpotUsage:p4d.24xlarge: 6 hourly lines x 1 h x 8 A100 = 48 GPU-hours;
    # SpotUsage:g5.12xlarge (no region prefix): 4 lines x 1 h x 4 A10G = 16 GPU-hours.
    assert rows == [("g5.12xlarge", "Dynamic", D(16), 4), ("p4d.24xlarge", "Dynamic", D(48), 6)]


def test_spot_lines_without_price_list_columns_still_count_gpu_hours(tmp_path: Path) -> None:
    """Spot usage is not in the public price list, so exports may leave pricing/unit and
    pricing/term blank on spot lines and say Spot only in pricing/purchaseOption."""
    shutil.copytree(NISE_CUR / "cur", tmp_path / "bills")
    [data] = (tmp_path / "bills").glob("20260901-20261001/*/*.csv.gz")
    with gzip.open(data, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])  # nise writes pricing/purchaseOption blank
        rows = list(reader)
    for row in rows:
        spot = "SpotUsage" in row["lineItem/UsageType"]
        row["pricing/PurchaseOption"] = "Spot" if spot else "OnDemand"
        if spot:
            row["pricing/unit"] = row["pricing/term"] = ""
    with gzip.open(data, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    config = _config(tmp_path, "aws_cur", tmp_path / "bills")
    load_billing_partition(config, config.sources[0], "2026-09")
    rows_out = _query(
        config,
        "select x_instance_type, pricing_category, sum(x_gpu_hours) "
        "from marts.cost_lines where x_gpu_hours is not null "
        "group by all order by 1",
    )
    # the same lines as above: 6 x 1 h x 8 GPUs and 4 x 1 h x 4 GPUs
    assert rows_out == [("g5.12xlarge", "Dynamic", D(16)), ("p4d.24xlarge", "Dynamic", D(48))]


def test_aws_focus_spot_lines_get_gpu_hours_from_x_usage_type(tmp_path: Path) -> None:
    """AWS's FOCUS export keeps the CUR usage type in x_UsageType and often no instance type
    anywhere else (the description of a spot line need not name it)."""
    from tests.conftest import write_focus

    columns = [
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ProviderName",
        "ChargeCategory",
        "ServiceName",
        "BilledCost",
        "EffectiveCost",
        "BillingCurrency",
        "ConsumedQuantity",
        "ConsumedUnit",
        "PricingCategory",
        "ChargeDescription",
        "x_UsageType",
    ]
    rows = [
        {
            "ChargeCategory": "Usage",
            "ConsumedQuantity": "1",
            "ConsumedUnit": "Hrs",
            "PricingCategory": "Dynamic",
            "ChargeDescription": "Spot instance usage",
            "x_UsageType": usage,
            "BilledCost": "9.83",
            "EffectiveCost": "9.83",
        }
        for usage in (
            "USE1-SpotUsage:p4d.24xlarge",
            "SpotUsage:g5.12xlarge",
            "USE1-DataTransfer-Out-Bytes",
        )
    ]
    rows[2]["ConsumedUnit"] = "GB"
    write_focus(tmp_path / "bills" / "focus.csv", rows, columns)
    config = _config(tmp_path, "focus", tmp_path / "bills")
    load_billing_partition(config, config.sources[0], "2026-10")
    got = _query(
        config,
        "select x_instance_type, pricing_category, x_gpu_hours "
        "from marts.cost_lines order by 1 nulls last",
    )
    # 1 hour x 4 A10G = 4; 1 hour x 8 A100 = 8; data transfer names no instance
    assert got == [
        ("g5.12xlarge", "Dynamic", D(4)),
        ("p4d.24xlarge", "Dynamic", D(8)),
        (None, "Dynamic", None),
    ]


# --- GCP credits given as one object instead of a list -------------------------------------

_CREDIT = {
    "name": "FreeTrial:Credit-0123",
    "amount": -1.5,
    "full_name": None,
    "id": "FreeTrial:Credit-0123",
    "type": "PROMOTION",
}


def _gcp_september() -> tuple[list[str], list[dict[str, str]]]:
    return _rows((NISE_GCP / "export" / "gcp_billing_1.csv").read_text())


def test_gcp_credit_object_in_the_flattened_csv_is_one_credit(tmp_path: Path) -> None:
    header, rows = _gcp_september()
    rows[0]["credits"] = json.dumps(_CREDIT)
    (tmp_path / "bills").mkdir()
    (tmp_path / "bills" / "gcp.csv").write_text(_csv(header, rows))
    config = _config(tmp_path, "gcp_billing", tmp_path / "bills")
    load_billing_partition(config, config.sources[0], "2026-09")
    # 24 rows x 2.48 = 59.52 gross, one credit of -1.50: 58.02 billed; row 1: 2.48 - 1.50 = 0.98
    assert _query(
        config,
        "select sum(billed_cost), sum(contracted_cost), "
        "sum(x_credits_promotion) from marts.cost_lines",
    ) == [(D("58.02"), D("59.52"), D("-1.5"))]
    assert _query(config, "select billed_cost from marts.cost_lines where x_source_row = 1") == [
        (D("0.98"),)
    ]


def test_gcp_credit_object_in_json_lines_is_one_credit(tmp_path: Path) -> None:
    _, rows = _gcp_september()
    lines = []
    for index, row in enumerate(rows):
        record: dict[str, Any] = {
            k: v for k, v in row.items() if k not in ("credits", "labels", "system_labels")
        }
        record["cost"] = float(row["cost"])
        record["credits"] = {**_CREDIT, "amount": -0.25 if index % 2 else -1.5}
        lines.append(json.dumps(record))
    (tmp_path / "bills").mkdir()
    (tmp_path / "bills" / "gcp.jsonl").write_text("\n".join(lines) + "\n")
    config = _config(tmp_path, "gcp_billing", tmp_path / "bills")
    load_billing_partition(config, config.sources[0], "2026-09")
    # 59.52 gross; credits 12 x -1.50 + 12 x -0.25 = -21.00; billed 38.52
    assert _query(
        config, "select sum(billed_cost), sum(x_credits_promotion) from marts.cost_lines"
    ) == [(D("38.52"), D("-21"))]


# --- Text in a money column: refused by file, row and column --------------------------------


def _bad_value_case(tmp_path: Path, kind: str, value: str) -> tuple[AispendConfig, str, int, str]:
    """A copy of a real export with one money value replaced; (config, period, row, column)."""
    bills = tmp_path / "bills"
    bills.mkdir()
    if kind == "focus":
        header, rows = _rows(FOCUS_SAMPLE.read_text(encoding="utf-8-sig"))
        rows[6]["BilledCost"] = value
        (bills / "focus.csv").write_text(_csv(header, rows))
        return _config(tmp_path, kind, bills), "2024-09", 7, "BilledCost"
    if kind == "azure_cost":
        header, rows = _rows((NISE_AZURE / "export" / "costreport_1.csv").read_text())
        rows[1]["CostInBillingCurrency"] = value
        (bills / "costreport_1.csv").write_text(_csv(header, rows))
        return _config(tmp_path, kind, bills), "2026-09", 2, "CostInBillingCurrency"
    if kind == "gcp_billing":
        header, rows = _gcp_september()
        rows[2]["cost"] = value
        (bills / "gcp.csv").write_text(_csv(header, rows))
        return _config(tmp_path, kind, bills), "2026-09", 3, "cost"
    shutil.copytree(NISE_CUR / "cur", bills / "cur")
    [data] = list((bills / "cur").rglob("September-2026-cur.csv.gz"))
    header, rows = _rows(gzip.decompress(data.read_bytes()).decode())
    rows[3]["lineItem/UnblendedCost"] = value
    data.write_bytes(gzip.compress(_csv(header, rows).encode()))
    return _config(tmp_path, kind, bills), "2026-09", 4, "line_item_unblended_cost"


@pytest.mark.parametrize("value", ["n/a", "N/A", "abc"])
@pytest.mark.parametrize("kind", ["focus", "aws_cur", "gcp_billing", "azure_cost"])
def test_text_in_a_money_column_is_refused_by_file_row_and_column(
    tmp_path: Path, kind: str, value: str
) -> None:
    config, period, row, column = _bad_value_case(tmp_path, kind, value)
    with pytest.raises(InputError) as failed:
        load_billing_partition(config, config.sources[0], period)
    problems = {(p.row, p.column) for p in failed.value.problems}
    assert (row, column) in problems, failed.value.problems
    assert all(p.file and str(tmp_path) in p.file for p in failed.value.problems)


def test_gcp_text_credit_amount_in_a_credit_object_is_refused(tmp_path: Path) -> None:
    header, rows = _gcp_september()
    rows[4]["credits"] = json.dumps({**_CREDIT, "amount": "abc"})
    (tmp_path / "bills").mkdir()
    (tmp_path / "bills" / "gcp.csv").write_text(_csv(header, rows))
    config = _config(tmp_path, "gcp_billing", tmp_path / "bills")
    with pytest.raises(InputError) as failed:
        load_billing_partition(config, config.sources[0], "2026-09")
    assert [(p.row, p.column) for p in failed.value.problems] == [(5, "credits")]
    assert "abc" in failed.value.problems[0].message


# --- Compressed bills: cut off, unlabelled, zstd --------------------------------------------


def _gzip_cases(tmp_path: Path, kind: str) -> tuple[Path, Path, Path]:
    """(bills folder, September gzip file, October file) for a source kind."""
    bills = tmp_path / "bills"
    if kind == "aws_cur":
        shutil.copytree(NISE_CUR / "cur", bills)
        [september] = list(bills.rglob("September-2026-cur.csv.gz"))
        [october] = list(bills.rglob("October-2026-cur.csv.gz"))
        return bills, september, october
    source = NISE_GCP if kind == "gcp_billing" else NISE_AZURE
    shutil.copytree(source / "nise_gz", bills)
    first, second = sorted(bills.iterdir())
    return bills, first, second


@pytest.mark.parametrize("kind", ["aws_cur", "gcp_billing", "azure_cost"])
def test_a_cut_off_gzip_bill_fails_its_period_and_keeps_the_old_rows(
    tmp_path: Path, kind: str
) -> None:
    bills, september, _ = _gzip_cases(tmp_path, kind)
    config = _config(tmp_path, kind, bills)
    load_billing_partition(config, config.sources[0], "2026-09")
    before = _query(config, "select count(*), sum(billed_cost) from marts.cost_lines")
    body = september.read_bytes()
    september.write_bytes(body[:-24])  # the deflate stream cut short, no trailer
    with pytest.raises(InputError) as failed:
        load_billing_partition(config, config.sources[0], "2026-09")
    assert [p.file for p in failed.value.problems] == [str(september)]
    assert _query(config, "select count(*), sum(billed_cost) from marts.cost_lines") == before
    assert load_billing_partition(config, config.sources[0], "2026-10").status == "loaded"
    assert _query(
        config, "select status from meta.loads where period = '2026-09' order by started_at"
    ) == [("loaded",), ("failed",)]


@pytest.mark.parametrize("kind", ["gcp_billing", "azure_cost"])
def test_a_cut_off_gzip_bill_alone_in_its_source_still_names_its_period(
    tmp_path: Path, kind: str
) -> None:
    """The period of a cut-off file is read from the part that decompresses, so the run has a
    period to fail instead of finding nothing to load."""
    bills, september, october = _gzip_cases(tmp_path, kind)
    october.unlink()
    body = september.read_bytes()
    september.write_bytes(body[:-24])  # the deflate stream cut short, no trailer
    discovery = billing_reader(kind, str(bills)).discover()
    assert (list(discovery.periods), discovery.unplaced) == (["2026-09"], [])
    assert [p.file for p in discovery.failed["2026-09"]] == [str(september)]
    config = _config(tmp_path, kind, bills)
    with pytest.raises(InputError) as failed:
        load_billing_partition(config, config.sources[0], "2026-09")
    assert [p.file for p in failed.value.problems] == [str(september)]
    assert "truncated" in failed.value.problems[0].message


@pytest.mark.parametrize("kind", ["gcp_billing", "azure_cost", "focus"])
@pytest.mark.parametrize("wrapping", ["gzip-without-suffix", "csv-that-is-gzip", "zst"])
def test_compressed_bills_are_read_by_their_magic_bytes(
    tmp_path: Path, kind: str, wrapping: str
) -> None:
    if kind == "focus":
        text, period = FOCUS_SAMPLE.read_bytes(), "2024-09"
        # the export's own BilledCost sum for 2024-09, summed with Decimal below
        header, rows = _rows(text.decode("utf-8-sig"))
        expected = sum(
            (D(r["BilledCost"]) for r in rows if r["BillingPeriodStart"].startswith("2024-09")),
            D(0),
        )
    elif kind == "gcp_billing":
        text, period, expected = (
            (NISE_GCP / "export" / "gcp_billing_1.csv").read_bytes(),
            "2026-09",
            D("59.52"),
        )  # 24 x 2.48
    else:
        text, period, expected = (
            (NISE_AZURE / "export" / "costreport_1.csv").read_bytes(),
            "2026-09",
            D("244.8"),
        )  # 3 x 81.6
    bills = tmp_path / "bills"
    bills.mkdir()
    if wrapping == "gzip-without-suffix":
        target = bills / "export-00001"
        target.write_bytes(gzip.compress(text))
    elif wrapping == "csv-that-is-gzip":
        target = bills / "export.csv"
        target.write_bytes(gzip.compress(text))
    else:
        target = bills / "export.csv.zst"
        target.write_bytes(zstandard.ZstdCompressor().compress(text))
    config = _config(tmp_path, kind, target)
    result = load_billing_partition(config, config.sources[0], period)
    assert result.status == "loaded"
    [(total,)] = _query(config, "select sum(billed_cost) from marts.cost_lines")
    assert round(total, 2) == round(expected, 2)


def test_gcp_json_lines_in_zstd_are_read_as_json(tmp_path: Path) -> None:
    _, rows = _gcp_september()
    lines = [
        json.dumps(
            {
                **{k: v for k, v in row.items() if k not in ("credits", "labels", "system_labels")},
                "credits": [],
            }
        )
        for row in rows
    ]
    target = tmp_path / "gcp.jsonl.zst"
    target.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))
    config = _config(tmp_path, "gcp_billing", target)
    load_billing_partition(config, config.sources[0], "2026-09")
    assert _query(config, "select count(*), sum(billed_cost) from marts.cost_lines") == [
        (24, D("59.52"))
    ]  # 24 x 2.48


def test_aispend_run_counts_a_cut_off_bill_as_a_failed_period(cli: Any, tmp_path: Path) -> None:
    bills, september, _ = _gzip_cases(tmp_path, "gcp_billing")
    body = september.read_bytes()
    september.write_bytes(body[:-24])
    write_config(tmp_path, [{"name": "gcp", "kind": "gcp_billing", "path": "bills"}])
    result = cli("run")
    assert result.exit_code != 0, result.output
    assert "2026-09" in result.output and september.name in result.output
    assert "gcp 2026-10: loaded 24 rows" in result.output
