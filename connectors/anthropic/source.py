"""The source kind of Anthropic's admin-API pages: its billing reader over saved page files."""

from __future__ import annotations

from connectors.anthropic.api import API
from connectors.billing import BillingContext, BillingReader
from connectors.model_api.export import PagesExport, control_totals
from connectors.model_api.normalize import normalizer, problems
from connectors.model_api.pages import SUFFIXES

__all__ = ["SUFFIXES", "billing_reader"]


def billing_reader(ctx: BillingContext) -> BillingReader:
    return BillingReader(
        PagesExport(ctx.root, ctx.fs, API),
        problems,
        normalizer("Anthropic", "Claude API"),
        control_totals,
    )
