"""The FOCUS source kind: its billing reader and its export's own billed total."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import duckdb

from connectors.billing import BillingContext, BillingReader
from connectors.export_sums import column_total
from connectors.files import FileRef, FileSystem
from connectors.focus.export import SUFFIXES, FocusExport
from connectors.focus.load import FocusLoader
from connectors.focus.normalize import focus_problems, normalize_focus
from connectors.parsing import control_totals

__all__ = ["SUFFIXES", "billing_reader", "export_total"]


def billing_reader(ctx: BillingContext) -> BillingReader:
    export = FocusExport(ctx.root, ctx.fs)
    return BillingReader(
        export,
        focus_problems,
        normalize_focus,
        partial(control_totals, cost="BilledCost", currency="BillingCurrency"),
        insert=FocusLoader(export).insert,
    )


def export_total(fs: FileSystem, root: str, refs: list[FileRef], period: str) -> Decimal:
    """BilledCost as written, per BillingPeriodStart, read by DuckDB."""
    with duckdb.connect() as con:
        return sum(
            (
                column_total(
                    con, fs.local_path(r), r.uri, period, "billedcost", "billingperiodstart"
                )
                for r in refs
            ),
            Decimal(0),
        )
