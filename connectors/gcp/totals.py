"""A GCP billing export's own billed total: ``cost`` plus the ``amount`` of every entry in
``credits``, per ``invoice.month`` (JSON lines nested or flattened, CSV with dotted names and
``credits`` as JSON or a Python repr)."""

from __future__ import annotations

from decimal import Decimal

from connectors.export_sums import credits, money, rows
from connectors.files import FileRef, FileSystem


def export_total(fs: FileSystem, root: str, refs: list[FileRef], period: str) -> Decimal:
    return sum((_net(fs, ref, period) for ref in refs), Decimal(0))


def _net(fs: FileSystem, ref: FileRef, period: str) -> Decimal:
    """The file's cost + credits over rows whose ``invoice.month`` is ``period``."""
    month = period.replace("-", "")
    total = Decimal(0)
    for row in rows(fs.local_path(ref), ref.uri):
        invoice = row.get("invoice")
        row_month = row.get("invoice.month") or (
            invoice.get("month") if isinstance(invoice, dict) else None
        )
        if str(row_month or "").strip() != month:
            continue
        total += money(row.get("cost"))
        for credit in credits(row.get("credits")):
            total += money(credit.get("amount"))
    return total
