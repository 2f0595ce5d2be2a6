"""The Azure cost export source kind: its billing reader and its export's own billed total."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import partial

from connectors.azure.export import SUFFIXES, AzureCostExport
from connectors.azure.normalize import (
    AzureKey,
    azure_control_totals,
    azure_problems,
    normalize_azure,
)
from connectors.azure.totals import export_total
from connectors.billing import BillingContext, BillingReader

__all__ = ["SUFFIXES", "billing_reader", "export_total"]


def billing_reader(ctx: BillingContext) -> BillingReader:
    """``ctx.on_demand``: (VM size, region, os) -> pay-as-you-go price (Retail Prices API)."""
    on_demand = ctx.on_demand
    if isinstance(on_demand, Mapping):  # a fixed price table (tests, offline use)
        on_demand = partial(_fixed, dict(on_demand))
    return BillingReader(
        AzureCostExport(ctx.root, ctx.fs),
        azure_problems,
        partial(normalize_azure, on_demand=on_demand),
        azure_control_totals,
    )


def _fixed(prices: dict[AzureKey, Decimal], keys: set[AzureKey]) -> dict[AzureKey, Decimal]:
    return {k: prices[k] for k in keys if k in prices}
