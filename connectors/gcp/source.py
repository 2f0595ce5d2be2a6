"""The GCP billing export source kind: files or a BigQuery table, and the export's own total."""

from __future__ import annotations

from functools import partial

from connectors.billing import BillingContext, BillingReader
from connectors.gcp.bigquery import BigQueryBillingExport
from connectors.gcp.export import SUFFIXES, GcpBillingExport
from connectors.gcp.normalize import gcp_control_totals, gcp_problems, normalize_gcp
from connectors.gcp.totals import export_total

__all__ = ["SUFFIXES", "billing_reader", "export_total"]


def billing_reader(ctx: BillingContext) -> BillingReader:
    """``bq://project.dataset.table`` reads the BigQuery export a month per query; anything
    else is files. ``ctx.on_demand``: spot SKU ids -> on-demand prices (Cloud Catalog)."""
    normalize = partial(normalize_gcp, on_demand=ctx.on_demand)
    if ctx.root.startswith("bq://"):
        return BillingReader(
            BigQueryBillingExport(ctx.root, ctx.bigquery),
            gcp_problems,
            normalize,
            gcp_control_totals,
        )
    return BillingReader(
        GcpBillingExport(ctx.root, ctx.fs), gcp_problems, normalize, gcp_control_totals
    )
