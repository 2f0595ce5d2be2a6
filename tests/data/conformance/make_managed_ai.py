"""Writes managed-AI lines (Amazon Bedrock, Vertex AI, Azure OpenAI) in each cloud's export
format, starting from the koku-nise files beside them: the header and a nise row of the same
export are the template, and only the fields a model line differs in are set (see the SOURCES.md
of aws_cur, gcp_billing and azure_cost). Run: python3 tests/data/conformance/make_managed_ai.py
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

HERE = Path(__file__).parent


def rows_of(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def as_csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def bedrock() -> None:
    """CUR 2.0 CSV lines of Amazon Bedrock: usage type <region>-<model>-<token type>."""
    source = HERE / "aws_cur/nise/cur2_csv/data/BILLING_PERIOD=2026-10/cur2-00001.csv.gz"
    header, rows = rows_of(gzip.decompress(source.read_bytes()).decode())
    template = rows[0]
    lines = [
        # usage type, amount, pricing unit, unblended cost
        ("USE1-Claude3.5Sonnet-input-tokens", "2000", "1K tokens", "6.00"),
        ("USE1-Claude3.5Sonnet-output-tokens", "400", "1K tokens", "6.00"),
        ("USE1-Claude3.5Sonnet-cache-read-input-token-count", "1000", "1K tokens", "0.30"),
        ("USE1-Claude3.5Sonnet-cache-write-input-token-count", "100", "1K tokens", "0.375"),
        ("USW2-TitanEmbedTextV2-input-tokens", "5", "1M tokens", "0.10"),
    ]
    out = []
    for n, (usage_type, amount, unit, cost) in enumerate(lines, 1):
        row = dict(template)
        rate = str(round(float(cost) / float(amount), 10))
        row.update(
            {
                "bill_billing_period_start_date": "2026-11-01T00:00:00Z",
                "bill_billing_period_end_date": "2026-12-01T00:00:00Z",
                "identity_line_item_id": f"bedrock{n:034d}",
                "identity_time_interval": "2026-11-03T00:00:00Z/2026-11-04T00:00:00Z",
                "line_item_availability_zone": "",
                "line_item_blended_cost": cost,
                "line_item_blended_rate": rate,
                "line_item_line_item_description": f"Amazon Bedrock {usage_type}",
                "line_item_operation": "InvokeModelInference",
                "line_item_product_code": "AmazonBedrock",
                "line_item_resource_id": "",
                "line_item_unblended_cost": cost,
                "line_item_unblended_rate": rate,
                "line_item_usage_amount": amount,
                "line_item_usage_start_date": "2026-11-03 00:00:00+00:00",
                "line_item_usage_end_date": "2026-11-04 00:00:00+00:00",
                "line_item_usage_type": usage_type,
                "pricing_public_on_demand_cost": cost,
                "pricing_public_on_demand_rate": rate,
                "pricing_unit": unit,
                "product": json.dumps(
                    {
                        "product_name": "Amazon Bedrock",
                        "servicecode": "AmazonBedrock",
                        "usagetype": usage_type,
                        "region": "us-west-2" if usage_type.startswith("USW2") else "us-east-1",
                    }
                ),
            }
        )
        out.append(row)
    target = HERE / "aws_cur/bedrock/data/BILLING_PERIOD=2026-11/cur2-00001.csv.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(as_csv(header, out).encode(), mtime=0))


def vertex() -> None:
    """GCP billing export lines of Vertex AI's Gemini SKUs (pricing unit: a count of tokens)."""
    source = HERE / "gcp_billing/nise/export/gcp_billing_1.csv"
    header, rows = rows_of(source.read_text())
    template = rows[0]
    lines = [
        # sku id, description, tokens (or hours), pricing unit, cost
        (
            "1127-99B9-1860",
            "Gemini 2.5 Flash GA Text Input - Predictions",
            "4000000",
            "count",
            "1.20",
        ),
        (
            "DFB0-8442-43A8",
            "Gemini 2.5 Flash GA Text Output - Predictions",
            "1000000",
            "count",
            "2.50",
        ),
        ("E5C2-A033-7712", "Gemini 2.5 Flash GA Input Text Caching", "2000000", "count", "0.06"),
        ("148C-9912-0E1E", "Gemini 2.5 Flash Text Input Caching Storage", "10", "hour", "0.45"),
    ]
    out = []
    for sku_id, description, amount, unit, cost in lines:
        row = dict(template)
        row.update(
            {
                "service.id": "C7E2-9256-1C43",
                "service.description": "Vertex AI",
                "sku.id": sku_id,
                "sku.description": description,
                "usage_start_time": "2026-11-03T00:00:00",
                "usage_end_time": "2026-11-04T00:00:00",
                "labels": json.dumps([{"key": "team", "value": "search"}]),
                "system_labels": "[]",
                "location.location": "us-central1",
                "location.region": "us-central1",
                "export_time": "2026-11-04T06:00:00",
                "cost": cost,
                "usage.amount": amount,
                "usage.unit": "count" if unit == "count" else "seconds",
                "usage.amount_in_pricing_units": amount,
                "usage.pricing_unit": unit,
                "credits": "[]",
                "invoice.month": "202611",
                "cost_type": "regular",
                "partition_date": "2026-11-03",
            }
        )
        out.append(row)
    target = HERE / "gcp_billing/vertex_ai/gcp_billing_2026-11.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(as_csv(header, out))


def azure_openai() -> None:
    """Azure cost export lines of Azure OpenAI meters, priced per 1K or 1M tokens."""
    source = HERE / "azure_cost/nise/export/costreport_2.csv"
    header, rows = rows_of(source.read_text())
    template = rows[0]
    lines = [
        # meter, unit of measure, quantity (blocks), cost
        ("gpt-4o-0806-Inp-glbl Tokens", "1K", "3000", "7.50"),
        ("gpt-4o-0806-Outp-glbl Tokens", "1K", "500", "5.00"),
        ("gpt-4o-mini-0718 cached Inp glbl Tokens", "1K", "2000", "0.15"),
        ("5.4 mini Opt Gl 1M Tokens", "1M", "2", "9.00"),
    ]
    out = []
    for n, (meter, unit, quantity, cost) in enumerate(lines, 1):
        row = dict(template)
        price = str(round(float(cost) / float(quantity), 10))
        row.update(
            {
                "ResourceLocation": "East US 2",
                "Date": "2026-11-03",
                "ProductName": "Azure OpenAI",
                "MeterCategory": "Cognitive Services",
                "MeterSubCategory": "Azure OpenAI",
                "MeterId": f"aaaaaaaa-0000-0000-0000-00000000000{n}",
                "MeterName": meter,
                "MeterRegion": "East US 2",
                "UnitOfMeasure": unit,
                "Quantity": quantity,
                "EffectivePrice": price,
                "UnitPrice": price,
                "PayGPrice": price,
                "CostInBillingCurrency": cost,
                "ConsumedService": "Microsoft.CognitiveServices",
                "ResourceId": "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"
                "ai/providers/Microsoft.CognitiveServices/accounts/aispend-openai",
                "Tags": json.dumps({"team": "support"}),
                "ResourceName": "aispend-openai",
                "BillingPeriodStartDate": "2026-11-01",
                "BillingPeriodEndDate": "2026-11-30",
            }
        )
        out.append(row)
    target = HERE / "azure_cost/azure_openai/costreport_2026-11.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(as_csv(header, out))


if __name__ == "__main__":
    bedrock()
    vertex()
    azure_openai()
