"""Model-API rows -> marts.cost_lines: cost pages give the bill, usage pages give tokens.

Cost lines come from cost pages only, so a provider's total is its own cost report. Usage pages
carry tokens and no money: they land as lines of zero cost whose ``usage_quantity`` is the count
(``usage_unit`` tokens, images, characters, seconds or requests), marked ``x_ai_report =
'usage'``, so marts.ai_usage can put tokens beside cost without a table of their own, and every
bill total stays what the cost report says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from connectors.cost_model import conform
from connectors.errors import InputProblem
from connectors.parsing import MONEY


def normalizer(provider: str, service: str) -> Callable[..., pl.LazyFrame]:
    """The normalize function of one provider's pages (BillingReader.normalize)."""

    def normalize(raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
        is_cost = pl.col("amount").is_not_null()
        dollars = (
            pl.col("amount").str.strip_chars().cast(MONEY, strict=False)
            / pl.col("divisor").cast(MONEY)
        ).cast(MONEY)
        cost = pl.when(is_cost).then(dollars).otherwise(pl.lit(0).cast(MONEY))
        out = raw.select(
            pl.lit(provider).alias("provider"),
            pl.col("project").alias("sub_account_id"),
            pl.lit(date.fromisoformat(f"{period}-01")).alias("billing_period_start"),
            pl.col("start").alias("charge_period_start"),
            pl.col("end").alias("charge_period_end"),
            pl.lit("Usage").alias("charge_category"),
            pl.lit("Standard").alias("pricing_category"),
            pl.lit(service).alias("service_name"),
            pl.lit("AI and Machine Learning").alias("service_category"),
            pl.coalesce("line_item", "description").alias("sku_id"),
            pl.col("quantity").cast(MONEY).alias("usage_quantity"),
            pl.col("unit").alias("usage_unit"),
            cost.alias("list_cost"),
            cost.alias("contracted_cost"),
            cost.alias("billed_cost"),
            cost.alias("effective_cost"),
            pl.col("currency").str.to_uppercase().alias("billing_currency"),
            pl.lit("Usage-Based").alias("charge_frequency"),
            pl.col("tags"),
            pl.lit(period).alias("x_billing_period"),
            pl.col("endpoint").alias("x_line_item_type"),
            pl.coalesce("line_item", "description").alias("x_charge_description"),
            pl.col("model").alias("x_ai_model"),
            pl.col("token_type").alias("x_token_type"),
            pl.when(is_cost).then(pl.lit("cost")).otherwise(pl.lit("usage")).alias("x_ai_report"),
            pl.lit(source).alias("x_source"),
            pl.col("_file").alias("x_source_file"),
            pl.col("_row").alias("x_source_row"),
        )
        return conform(out)

    return normalize


def problems(raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
    """Amounts that are not numbers (pages.py checked every other field's type)."""
    bad = raw.get_column("amount").is_not_null() & lines.get_column("billed_cost").is_null()
    return [
        InputProblem(file, f"amount must be a decimal number, found {amount!r}", row, "amount")
        for file, row, amount in raw.filter(bad)
        .select("_file", "_row", "amount")
        .head(20)
        .iter_rows()
    ]
