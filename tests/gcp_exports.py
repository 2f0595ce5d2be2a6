"""A generated GCP billing export (the BigQuery row shape) with GPU, spot, committed-use and
credit rows whose totals are worked by hand, written as JSON lines, parquet or flattened CSV.

Totals for invoice month 202610 (USD):
  cost      29.36 + 3.00 + 22.40 + 1.00 + 2.50 - 1.20 + 5.00 + 0.10           = 62.16
  credits   CUD -16.00, SUD -0.60, free tier -0.25, promotion -0.75,
            reseller margin -0.50, discount -0.25                              = -18.35
  net (billed = effective)                                                     = 43.81
  GPU-hours 8 (A100 80GB, committed) + 8 (H100 80GB, spot)                     = 16
Invoice month 202609 holds one row: cost 0.40, net 0.40.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

COMPUTE = {"id": "6F81-5844-456A", "description": "Compute Engine"}
A100_SKU = "0A1B-A100-OD01"
H100_SPOT_SKU = "0C3D-H100-SP01"


def _row(
    sku_id: str,
    sku: str,
    start: str,
    cost: float,
    *,
    credits: list[dict[str, Any]] | None = None,
    units: float = 1.0,
    unit: str = "hour",
    month: str = "202610",
    cost_type: str = "regular",
    resource: str | None = None,
    labels: dict[str, str] | None = None,
    machine: str | None = None,
    service: dict[str, str] | None = None,
    list_cost: float | None = None,
    adjustment: dict[str, str] | None = None,
    currency: str = "USD",
    rate: float = 1.0,
) -> dict[str, Any]:
    hour = int(start[11:13])
    end = f"{start[:11]}{hour + 1:02d}{start[13:]}" if hour < 23 else start
    return {
        "billing_account_id": "01A2B3-C4D5E6-F7A8B9",
        "service": service or COMPUTE,
        "sku": {"id": sku_id, "description": sku},
        "usage_start_time": f"{start} UTC",
        "usage_end_time": f"{end} UTC",
        "project": {"id": "ml-prod", "name": "ml-prod", "labels": []},
        "labels": [{"key": k, "value": v} for k, v in (labels or {}).items()],
        "system_labels": (
            [{"key": "compute.googleapis.com/machine_spec", "value": machine}] if machine else []
        ),
        "location": {
            "location": "us-central1",
            "country": "US",
            "region": "us-central1",
            "zone": "us-central1-a",
        },
        "resource": (
            {
                "name": resource,
                "global_name": f"//compute.googleapis.com/projects/ml-prod/zones/us-central1-a/"
                f"instances/{resource}",
            }
            if resource
            else None
        ),
        "export_time": "2026-10-15 04:12:33.123 UTC",
        "cost": cost,
        "cost_at_list": cost if list_cost is None else list_cost,
        "currency": currency,
        "currency_conversion_rate": rate,
        "usage": {
            "amount": units * 3600,
            "unit": "seconds",
            "amount_in_pricing_units": units,
            "pricing_unit": unit,
        },
        "credits": credits or [],
        "invoice": {"month": month},
        "cost_type": cost_type,
        "adjustment_info": adjustment,
    }


def _credit(kind: str, amount: float) -> dict[str, Any]:
    return {
        "name": kind.title().replace("_", " "),
        "amount": amount,
        "full_name": None,
        "id": f"{kind}:123",
        "type": kind,
    }


def export_rows(currency: str = "USD", rate: float = 1.0) -> list[dict[str, Any]]:
    money = {"currency": currency, "rate": rate}
    return [
        _row(
            A100_SKU,
            "Nvidia A100 80GB GPU running in Americas",
            "2026-10-14 10:00:00",
            29.36,
            units=8,
            resource="trainer-1",
            machine="a2-ultragpu-8g",
            list_cost=32.00,
            labels={"training_run": "llm-x", "team": "research"},
            credits=[_credit("COMMITTED_USAGE_DISCOUNT", -16.00)],
            **money,
        ),
        _row(
            "0A1B-A2CORE-01",
            "A2 Instance Core running in Americas",
            "2026-10-14 10:00:00",
            3.00,
            units=96,
            resource="trainer-1",
            machine="a2-ultragpu-8g",
            labels={"training_run": "llm-x", "team": "research"},
            credits=[_credit("SUSTAINED_USAGE_DISCOUNT", -0.60)],
            **money,
        ),
        _row(
            H100_SPOT_SKU,
            "Spot Preemptible Nvidia H100 80GB GPU running in Americas",
            "2026-10-14 11:00:00",
            22.40,
            units=8,
            resource="spot-1",
            machine="a3-highgpu-8g",
            **money,
        ),
        _row(
            "5D8F-BQ-ST01",
            "Active Logical Storage",
            "2026-10-14 00:00:00",
            1.00,
            unit="gibibyte month",
            service={"id": "24E6-581D-38E5", "description": "BigQuery"},
            credits=[_credit("FREE_TIER", -0.25), _credit("PROMOTION", -0.75)],
            **money,
        ),
        _row("TAX-0001", "Tax", "2026-10-14 00:00:00", 2.50, cost_type="tax", **money),
        _row(
            "0A1B-A100-OD01",
            "Nvidia A100 80GB GPU running in Americas",
            "2026-10-03 00:00:00",
            -1.20,
            units=0,
            cost_type="adjustment",
            adjustment={
                "id": "adj-1",
                "description": "Correction of usage",
                "mode": "PARTIAL_CORRECTION",
                "type": "USAGE_CORRECTION",
            },
            **money,
        ),
        _row(
            "E3F2-GCS-ST01",
            "Standard Storage US Multi-region",
            "2026-10-14 00:00:00",
            5.00,
            unit="gibibyte month",
            service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
            credits=[_credit("RESELLER_MARGIN", -0.50), _credit("DISCOUNT", -0.25)],
            **money,
        ),
        # late usage from September invoiced in October: the invoice month decides
        _row(
            "E3F2-GCS-ST01",
            "Standard Storage US Multi-region",
            "2026-09-30 23:00:00",
            0.10,
            unit="gibibyte month",
            service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
            **money,
        ),
        _row(
            "E3F2-GCS-ST01",
            "Standard Storage US Multi-region",
            "2026-09-29 10:00:00",
            0.40,
            unit="gibibyte month",
            month="202609",
            service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
            **money,
        ),
    ]


def jsonl_gz(rows: list[dict[str, Any]]) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())


def parquet(rows: list[dict[str, Any]]) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out.getvalue()


def flattened_csv(rows: list[dict[str, Any]]) -> str:
    """As tools that flatten the BigQuery table write it: dotted names, ``credits`` as a Python
    repr string, labels as JSON."""
    flat = []
    for row in rows:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                out.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, list)})
                if key == "project":
                    out["project.labels"] = json.dumps(value["labels"])
            elif key == "credits":
                out[key] = repr(value)
            elif isinstance(value, list):
                out[key] = json.dumps(value)
            else:
                out[key] = value
        flat.append(out)
    names = list(dict.fromkeys(k for r in flat for k in r))
    text = io.StringIO()
    writer = csv.DictWriter(text, names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return text.getvalue()
