"""An Azure cost export's own billed total: ``CostInBillingCurrency`` (any case), else the
legacy ``Cost`` / ``PreTaxCost``, per ``BillingPeriodStartDate`` or else the usage date's month.
A period that has an actual export is billed from it alone (the amortized one spreads
purchases, it is not the invoice)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.azure.export import export_kind
from connectors.export_sums import money, present, rows
from connectors.files import FileRef, FileSystem


def export_total(fs: FileSystem, root: str, refs: list[FileRef], period: str) -> Decimal:
    billed = set(azure_billed_files([r.uri for r in refs], root))
    return sum((_billed(fs, r, period) for r in refs if r.uri in billed), Decimal(0))


def _billed(fs: FileSystem, ref: FileRef, period: str) -> Decimal:
    """The file's cost over rows of billing period ``period``."""
    total = Decimal(0)
    for raw in rows(fs.local_path(ref), ref.uri):
        row = {str(k).lstrip("\ufeff").strip().strip('"').lower(): v for k, v in raw.items()}
        start = _azure_month(row.get("billingperiodstartdate"))
        usage = _azure_month(row.get("date") or row.get("usagedatetime"))
        if (start or usage) != period:
            continue
        for name in ("costinbillingcurrency", "cost", "pretaxcost"):
            if present(row.get(name)):
                total += money(row[name])
                break
    return total


def azure_billed_files(uris: list[str], root: str) -> list[str]:
    """The files a period's billed cost comes from: its actual exports where it has any."""
    actual = [u for u in uris if export_kind(u, root) == "actual"]
    return actual or uris


def _azure_month(value: Any) -> str | None:
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    if not present(value):
        return None
    text = str(value).strip()
    us = re.match(r"^(\d{1,2})/\d{1,2}/(\d{4})", text)
    if us:
        return f"{us.group(2)}-{int(us.group(1)):02d}"
    iso = re.match(r"^(\d{4})-(\d{2})-\d{2}", text)
    return f"{iso.group(1)}-{iso.group(2)}" if iso else None
