"""The AWS CUR source kind: its billing reader and its export's own billed total."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import duckdb

from connectors.aws.export import DATA_SUFFIXES, MANIFEST_SUFFIX, CurExport
from connectors.aws.load import CurLoader, cur_problems, normalize_cur
from connectors.billing import BillingContext, BillingReader
from connectors.export_sums import column_total
from connectors.files import FileRef, FileSystem
from connectors.parsing import control_totals

SUFFIXES = DATA_SUFFIXES + (MANIFEST_SUFFIX,)


def billing_reader(ctx: BillingContext) -> BillingReader:
    export = CurExport(ctx.root, ctx.fs)
    return BillingReader(
        export,
        cur_problems,
        normalize_cur,
        partial(
            control_totals, cost="line_item_unblended_cost", currency="line_item_currency_code"
        ),
        insert=CurLoader(export).insert,
    )


def export_total(fs: FileSystem, root: str, refs: list[FileRef], period: str) -> Decimal:
    """lineItem/UnblendedCost (line_item_unblended_cost) as written, read by DuckDB."""
    with duckdb.connect() as con:
        return sum(
            (
                column_total(
                    con,
                    fs.local_path(r),
                    r.uri,
                    period,
                    "lineitemunblendedcost",
                    "billbillingperiodstartdate",
                )
                for r in refs
            ),
            Decimal(0),
        )
