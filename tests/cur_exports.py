"""Generated CUR exports in AWS's two layouts, with line items whose amortized cost is known.

LINE_ITEMS cover every rule of the effective-cost mapping; the tests state the expected totals
computed by hand from these rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SP_ARN = "arn:aws:savingsplans::123456789012:savingsplan/sp-1"
RI_ARN = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/ri-1"

# type, usage type, instance type, usage amount, unit, unblended, net unblended, public on
# demand, SP effective, SP total commitment, SP used commitment, RI effective, RI unused
# amortized upfront, RI unused recurring, SP arn, RI arn, pricing term, tags
LINE_ITEMS = [
    (
        "Usage",
        "BoxUsage:p5.48xlarge",
        "p5.48xlarge",
        "2",
        "Hrs",
        "196.64",
        "186.81",
        "196.64",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "OnDemand",
        {"team": "research", "training_run": "llm-7b"},
    ),
    (
        "Usage",
        "USE1-SpotUsage:p4d.24xlarge",
        "",
        "3",
        "Hrs",
        "29.49",
        "29.49",
        "98.31",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        {"team": "research"},
    ),
    (
        "SavingsPlanCoveredUsage",
        "BoxUsage:g5.xlarge",
        "g5.xlarge",
        "10",
        "Hrs",
        "10.06",
        "10.06",
        "10.06",
        "6.00",
        "",
        "",
        "",
        "",
        "",
        SP_ARN,
        "",
        "OnDemand",
        {},
    ),
    (
        "SavingsPlanNegation",
        "BoxUsage:g5.xlarge",
        "g5.xlarge",
        "10",
        "Hrs",
        "-10.06",
        "-10.06",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        SP_ARN,
        "",
        "",
        {},
    ),
    (
        "SavingsPlanRecurringFee",
        "ComputeSP:1yrNoUpfront",
        "",
        "1",
        "Hrs",
        "100.00",
        "100.00",
        "",
        "",
        "100.00",
        "6.00",
        "",
        "",
        "",
        SP_ARN,
        "",
        "",
        {},
    ),
    (
        "DiscountedUsage",
        "BoxUsage:p3.2xlarge",
        "p3.2xlarge",
        "5",
        "Hrs",
        "0",
        "0",
        "15.30",
        "",
        "",
        "",
        "12.50",
        "",
        "",
        "",
        RI_ARN,
        "Reserved",
        {},
    ),
    (
        "RIFee",
        "HeavyUsage:p3.2xlarge",
        "p3.2xlarge",
        "720",
        "Hrs",
        "50.00",
        "50.00",
        "",
        "",
        "",
        "",
        "",
        "3.00",
        "2.00",
        "",
        RI_ARN,
        "Reserved",
        {},
    ),
    ("Fee", "", "", "1", "", "1000.00", "1000.00", "", "", "", "", "", "", "", "", RI_ARN, "", {}),
    ("Tax", "", "", "", "", "8.00", "8.00", "", "", "", "", "", "", "", "", "", "", {}),
    (
        "EdpDiscount",
        "BoxUsage:p5.48xlarge",
        "",
        "",
        "",
        "-20.00",
        "0",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        {},
    ),
    (
        "Usage",
        "BoxUsage:trn1.32xlarge",
        "trn1.32xlarge",
        "1",
        "Hrs",
        "21.50",
        "21.50",
        "21.50",
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
    ),
]

LEGACY_COLUMNS = [
    "identity/LineItemId",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
    "lineItem/NetUnblendedCost",
    "product/ProductName",
    "product/instanceType",
    "product/regionCode",
    "pricing/publicOnDemandCost",
    "pricing/term",
    "pricing/unit",
    "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/TotalCommitmentToDate",
    "savingsPlan/UsedCommitment",
    "savingsPlan/SavingsPlanARN",
    "reservation/EffectiveCost",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee",
    "reservation/ReservationARN",
    "resourceTags/user:team",
    "resourceTags/user:training_run",
]


def _records(period: str, items: list[tuple]) -> list[dict[str, str]]:  # type: ignore[type-arg]
    year, month = map(int, period.split("-"))
    end = f"{year + month // 12}-{month % 12 + 1:02d}"
    rows = []
    for i, item in enumerate(items):
        (
            kind,
            usage_type,
            itype,
            amount,
            unit,
            cost,
            net,
            public,
            sp_eff,
            sp_total,
            sp_used,
            ri_eff,
            ri_upfront,
            ri_recurring,
            sp_arn,
            ri_arn,
            term,
            tags,
        ) = item
        rows.append(
            {
                "id": f"line-{i}",
                "payer": "123456789012",
                "start": f"{period}-01T00:00:00Z",
                "end": f"{end}-01T00:00:00Z",
                "account": "210987654321",
                "type": kind,
                "usage_start": f"{period}-02T{i:02d}:00:00Z",
                "usage_end": f"{period}-02T{i + 1:02d}:00:00Z",
                "product_code": "AmazonEC2" if kind != "Tax" else "AmazonEC2",
                "usage_type": usage_type,
                "resource": f"i-{i:017x}" if itype else "",
                "amount": amount,
                "currency": "USD",
                "cost": cost,
                "net": net,
                "product_name": "Amazon Elastic Compute Cloud",
                "instance_type": itype,
                "region": "us-east-1",
                "public": public,
                "term": term,
                "unit": unit,
                "sp_eff": sp_eff,
                "sp_total": sp_total,
                "sp_used": sp_used,
                "sp_arn": sp_arn,
                "ri_eff": ri_eff,
                "ri_upfront": ri_upfront,
                "ri_recurring": ri_recurring,
                "ri_arn": ri_arn,
                "team": tags.get("team", ""),
                "training_run": tags.get("training_run", ""),
            }
        )
    return rows


def legacy_csv_gz(period: str, items: list[tuple] | None = None) -> bytes:  # type: ignore[type-arg]
    """A legacy CUR data file: slash names, gzip CSV, empty strings for missing values."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(LEGACY_COLUMNS)
    for r in _records(period, items or LINE_ITEMS):
        out.writerow(
            [
                r["id"],
                r["payer"],
                r["start"],
                r["end"],
                r["account"],
                r["type"],
                r["usage_start"],
                r["usage_end"],
                r["product_code"],
                r["usage_type"],
                r["resource"],
                r["amount"],
                r["currency"],
                r["cost"],
                r["net"],
                r["product_name"],
                r["instance_type"],
                r["region"],
                r["public"],
                r["term"],
                r["unit"],
                r["sp_eff"],
                r["sp_total"],
                r["sp_used"],
                r["sp_arn"],
                r["ri_eff"],
                r["ri_upfront"],
                r["ri_recurring"],
                r["ri_arn"],
                r["team"],
                r["training_run"],
            ]
        )
    return gzip.compress(buffer.getvalue().encode())


def cur2_parquet(period: str, items: list[tuple] | None = None) -> bytes:  # type: ignore[type-arg]
    """A CUR 2.0 data file: snake_case names, typed columns, map columns for product and tags."""
    records = _records(period, items or LINE_ITEMS)

    def dec(key: str) -> pa.Array:
        return pa.array(
            [Decimal(r[key]) if r[key] else None for r in records], pa.decimal128(20, 8)
        )

    def ts(key: str) -> pa.Array:
        from datetime import datetime

        return pa.array(
            [datetime.fromisoformat(r[key].replace("Z", "+00:00")) for r in records],
            pa.timestamp("ms", tz="UTC"),
        )

    def text(key: str) -> pa.Array:
        return pa.array([r[key] or None for r in records], pa.string())

    string_map = pa.map_(pa.string(), pa.string())
    table = pa.table(
        {
            "identity_line_item_id": text("id"),
            "bill_payer_account_id": text("payer"),
            "bill_billing_period_start_date": ts("start"),
            "bill_billing_period_end_date": ts("end"),
            "line_item_usage_account_id": text("account"),
            "line_item_line_item_type": text("type"),
            "line_item_usage_start_date": ts("usage_start"),
            "line_item_usage_end_date": ts("usage_end"),
            "line_item_product_code": text("product_code"),
            "line_item_usage_type": text("usage_type"),
            "line_item_resource_id": text("resource"),
            "line_item_usage_amount": dec("amount"),
            "line_item_currency_code": text("currency"),
            "line_item_unblended_cost": dec("cost"),
            "line_item_net_unblended_cost": dec("net"),
            "pricing_public_on_demand_cost": dec("public"),
            "pricing_term": text("term"),
            "pricing_unit": text("unit"),
            "savings_plan_savings_plan_effective_cost": dec("sp_eff"),
            "savings_plan_total_commitment_to_date": dec("sp_total"),
            "savings_plan_used_commitment": dec("sp_used"),
            "savings_plan_savings_plan_a_r_n": text("sp_arn"),
            "reservation_effective_cost": dec("ri_eff"),
            "reservation_unused_amortized_upfront_fee_for_billing_period": dec("ri_upfront"),
            "reservation_unused_recurring_fee": dec("ri_recurring"),
            "reservation_reservation_a_r_n": text("ri_arn"),
            "product": pa.array(
                [
                    [("product_name", r["product_name"]), ("region_code", r["region"])]
                    + ([("instance_type", r["instance_type"])] if r["instance_type"] else [])
                    for r in records
                ],
                string_map,
            ),
            "resource_tags": pa.array(
                [[(f"user_{k}", r[k]) for k in ("team", "training_run") if r[k]] for r in records],
                string_map,
            ),
            "cost_category": pa.array([[] for _ in records], string_map),
            "discount": pa.array([[("total_discount", "0")] for _ in records], string_map),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def legacy_layout(root: Path, prefix: str, period: str, deliveries: list[bytes]) -> list[str]:
    """Legacy CUR in create-new-report mode: one assembly folder per delivery, each with its own
    manifest, and the period-level manifest pointing at the newest. Returns the written keys."""
    year, month = map(int, period.split("-"))
    end = f"{year + month // 12}{month % 12 + 1:02d}01"
    folder = f"{prefix}/report/{year}{month:02d}01-{end}"
    written = []
    for n, body in enumerate(deliveries):
        assembly = f"00000000-0000-0000-0000-00000000000{n}"
        key = f"{folder}/{assembly}/report-1.csv.gz"
        _write(root / key, body)
        manifest = {
            "assemblyId": assembly,
            "reportKeys": [key],
            "bucket": "bills",
            "billingPeriod": {
                "start": f"{year}{month:02d}01T000000.000Z",
                "end": f"{end}T000000.000Z",
            },
            "compression": "GZIP",
            "contentType": "text/csv",
        }
        _write(root / f"{folder}/{assembly}/report-Manifest.json", json.dumps(manifest).encode())
        _write(root / f"{folder}/report-Manifest.json", json.dumps(manifest).encode())
        written.append(key)
    return written


def cur2_layout(
    root: Path,
    prefix: str,
    period: str,
    body: bytes,
    extra_listed: str = "",
    execution: str = "",
    manifest: bool = True,
) -> str:
    """CUR 2.0 (Data Exports) layout: data/BILLING_PERIOD=.../ and metadata/BILLING_PERIOD=.../;
    with ``execution``, the create-new-file mode's <timestamp>-<executionId>/ subfolder."""
    folder = f"{prefix}/cur2/data/BILLING_PERIOD={period}" + (f"/{execution}" if execution else "")
    key = f"{folder}/cur2-00001.snappy.parquet"
    _write(root / key, body)
    if not manifest:
        return key
    listed = [f"s3://bills/{key}"] + ([f"s3://bills/{extra_listed}"] if extra_listed else [])
    manifest = {
        "executionId": "exec-1",
        "dataFiles": listed,
        "billingPeriod": {"start": f"{period}-01T00:00:00.000Z"},
    }
    _write(
        root / f"{prefix}/cur2/metadata/BILLING_PERIOD={period}/cur2-Manifest.json",
        json.dumps(manifest).encode(),
    )
    return key


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
