"""The source kind of OpenAI's admin-API pages: its billing reader over saved page files."""

from __future__ import annotations

from connectors.billing import BillingContext, BillingReader
from connectors.model_api.export import PagesExport, control_totals
from connectors.model_api.normalize import normalizer, problems
from connectors.model_api.pages import SUFFIXES
from connectors.openai.api import API

__all__ = ["SUFFIXES", "billing_reader"]


def billing_reader(ctx: BillingContext) -> BillingReader:
    return BillingReader(
        PagesExport(ctx.root, ctx.fs, API),
        problems,
        normalizer("OpenAI", "OpenAI API"),
        control_totals,
    )
