"""GCP billing and Azure cost exports summed per billing period with Python's csv and json
modules (parquet through pyarrow's rows) and Decimal, for the bill-vs-export check.

These readers share nothing with the connectors' polars parsing: the check is worth something
only as a second computation. They apply the exports' own definitions of the billed total:

- GCP: ``cost`` plus the ``amount`` of every entry in ``credits``, per ``invoice.month``
  (JSON lines nested or flattened, CSV with dotted names and ``credits`` as JSON or a Python repr).
- Azure: ``CostInBillingCurrency`` (any case), else the legacy ``Cost`` / ``PreTaxCost``, per
  ``BillingPeriodStartDate`` or else the usage date's month; a period that has an actual export
  is billed from it alone (the amortized one spreads purchases, it is not the invoice).
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from connectors.azure.export import export_kind
from connectors.compressed import open_text

Row = dict[str, Any]


def gcp_net(path: Path, uri: str, period: str) -> Decimal:
    """The file's cost + credits over rows whose ``invoice.month`` is ``period``."""
    month = period.replace("-", "")
    total = Decimal(0)
    for row in _rows(path, uri):
        invoice = row.get("invoice")
        row_month = row.get("invoice.month") or (invoice.get("month")
                                                 if isinstance(invoice, dict) else None)
        if str(row_month or "").strip() != month:
            continue
        total += _money(row.get("cost"))
        for credit in _credits(row.get("credits")):
            total += _money(credit.get("amount"))
    return total


def azure_billed(path: Path, uri: str, period: str) -> Decimal:
    """The file's cost over rows of billing period ``period``."""
    total = Decimal(0)
    for raw in _rows(path, uri):
        row = {str(k).lstrip("\ufeff").strip().strip('"').lower(): v for k, v in raw.items()}
        start = _azure_month(row.get("billingperiodstartdate"))
        usage = _azure_month(row.get("date") or row.get("usagedatetime"))
        if (start or usage) != period:
            continue
        for name in ("costinbillingcurrency", "cost", "pretaxcost"):
            if _present(row.get(name)):
                total += _money(row[name])
                break
    return total


def azure_billed_files(uris: list[str], root: str) -> list[str]:
    """The files a period's billed cost comes from: its actual exports where it has any."""
    actual = [u for u in uris if export_kind(u, root) == "actual"]
    return actual or uris


def _rows(path: Path, uri: str) -> Iterator[Row]:
    name = uri.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches():
            yield from batch.to_pylist()
        return
    with open_text(path) as handle:
        if re.search(r"\.jsonl?(\.(gz|zst))?$", name):
            for line in handle:
                if line.strip():
                    yield json.loads(line, parse_float=Decimal)
        else:
            yield from csv.DictReader(handle)


def _credits(value: Any) -> list[Row]:
    if value is None or isinstance(value, list):
        return value or []
    text = str(value).strip()
    if not text:
        return []
    try:
        parsed = json.loads(text, parse_float=Decimal)
    except ValueError:
        parsed = ast.literal_eval(text)
    return [c for c in parsed if isinstance(c, dict)]


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() not in ("", "NULL", "null")


def _money(value: Any) -> Decimal:
    if not _present(value):
        return Decimal(0)
    # repr keeps a float's shortest exact digits (what the export wrote), str(Decimal) is exact
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def _azure_month(value: Any) -> str | None:
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    if not _present(value):
        return None
    text = str(value).strip()
    us = re.match(r"^(\d{1,2})/\d{1,2}/(\d{4})", text)
    if us:
        return f"{us.group(2)}-{int(us.group(1)):02d}"
    iso = re.match(r"^(\d{4})-(\d{2})-\d{2}", text)
    return f"{iso.group(1)}-{iso.group(2)}" if iso else None
