"""CUR rows -> marts.cost_lines, amortized as AWS's Cloud Intelligence Dashboards compute it.

Billed cost is the unblended cost. Effective cost spreads commitments: covered usage carries its
share of the Savings Plan or reservation, negations and upfront fees carry nothing (they are
already spread), and the recurring fee rows carry only the unused part of the commitment.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from aispend.errors import InputProblem
from connectors.accelerator_columns import accelerator_columns
from connectors.aws_cur import TAG_PREFIX
from connectors.cost_model import TAG_ENTRY, conform
from connectors.parsing import MONEY, timestamp_expr, to_decimal

_CATEGORIES = Path(__file__).resolve().parent / "data" / "aws_service_categories.csv"

_CHARGE_CATEGORY = {
    "Usage": "Usage", "DiscountedUsage": "Usage", "SavingsPlanCoveredUsage": "Usage",
    "SavingsPlanNegation": "Usage", "Fee": "Purchase", "RIFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase", "SavingsPlanUpfrontFee": "Purchase", "Tax": "Tax",
    "Credit": "Credit", "Refund": "Credit", "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit", "BundledDiscount": "Credit", "Discount": "Credit",
    "DistributorDiscount": "Credit",
}
_FREQUENCY = {
    "RIFee": "Recurring", "SavingsPlanRecurringFee": "Recurring", "Fee": "One-Time",
    "SavingsPlanUpfrontFee": "One-Time",
}
_COMMITTED = ["SavingsPlanCoveredUsage", "DiscountedUsage", "SavingsPlanRecurringFee", "RIFee",
              "SavingsPlanNegation"]
_GPU_HOUR_TYPES = ["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"]
_INSTANCE_IN_USAGE_TYPE = (
    r":((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|metal[a-z0-9-]*|medium|small|micro|nano))$"
)

#: Raw column -> the cost_lines column parsed from it, and what it must hold.
_PARSED = {
    "line_item_unblended_cost": ("billed_cost", "a number"),
    "line_item_usage_amount": ("usage_quantity", "a number"),
    "pricing_public_on_demand_cost": ("list_cost", "a number"),
    "line_item_net_unblended_cost": ("contracted_cost", "a number"),
    "line_item_usage_start_date": ("charge_period_start", "a timestamp"),
    "line_item_usage_end_date": ("charge_period_end", "a timestamp"),
}
_EFFECTIVE_INPUTS = (
    "savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment", "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
)


def normalize_cur(raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
    schema = raw.collect_schema()
    names = set(schema.names())

    def text(name: str) -> pl.Expr:
        if name not in names:
            return pl.lit(None, dtype=pl.Utf8)
        return pl.col(name).cast(pl.Utf8).str.strip_chars().replace("", None)

    def money(name: str) -> pl.Expr:
        return to_decimal(name) if name in names else pl.lit(None, dtype=MONEY)

    def ts(name: str) -> pl.Expr:
        return timestamp_expr(name, schema[name]) if name in names else pl.lit(
            None, dtype=pl.Datetime("us"))

    line_type = text("line_item_line_item_type")
    usage_type = text("line_item_usage_type")
    unblended = money("line_item_unblended_cost")
    is_type = line_type.is_in
    effective = (
        pl.when(line_type == "SavingsPlanCoveredUsage")
        .then(money("savings_plan_savings_plan_effective_cost"))
        .when(is_type(["SavingsPlanNegation", "SavingsPlanUpfrontFee"])).then(pl.lit(0))
        .when(line_type == "SavingsPlanRecurringFee")
        .then(money("savings_plan_total_commitment_to_date")
              - money("savings_plan_used_commitment"))
        .when(line_type == "DiscountedUsage").then(money("reservation_effective_cost"))
        .when(line_type == "RIFee")
        .then(money("reservation_unused_amortized_upfront_fee_for_billing_period").fill_null(0)
              + money("reservation_unused_recurring_fee").fill_null(0))
        .when((line_type == "Fee") & text("reservation_reservation_a_r_n").is_not_null())
        .then(pl.lit(0))
        .otherwise(unblended)
        .cast(MONEY)
    )
    # Spot: the usage type says so (SpotUsage); failing that, the pricing term.
    spot = (usage_type.str.contains("SpotUsage").fill_null(False)
            | (text("pricing_term") == "Spot").fill_null(False))
    pricing_category = (
        pl.when(line_type == "Tax").then(None)
        .when(spot).then(pl.lit("Dynamic"))
        .when(is_type(_COMMITTED)).then(pl.lit("Committed"))
        .otherwise(pl.lit("Standard"))
    )
    commitment_id = (
        pl.when(line_type.str.starts_with("SavingsPlan"))
        .then(text("savings_plan_savings_plan_a_r_n"))
        .when(is_type(["DiscountedUsage", "RIFee", "Fee"]))
        .then(text("reservation_reservation_a_r_n"))
    )
    usage_amount = money("line_item_usage_amount")
    instance_type = pl.coalesce(
        text("product_instance_type"), _product_key(schema, "instance_type"),
        pl.when(~usage_type.str.contains("SoftwareUsage").fill_null(True))
        .then(usage_type.str.extract(_INSTANCE_IN_USAGE_TYPE, 1)),
    )
    hourly = text("pricing_unit").str.to_lowercase().is_in(["hrs", "hours", "hour"])
    # computed once: the product map is costly to search, and five columns derive from it
    raw = raw.with_columns(instance_type.alias("_instance_type"))
    out = raw.select(
        pl.lit("AWS").alias("provider"),
        text("bill_payer_account_id").alias("billing_account_id"),
        text("line_item_usage_account_id").alias("sub_account_id"),
        pl.lit(date.fromisoformat(f"{period}-01")).alias("billing_period_start"),
        ts("line_item_usage_start_date").alias("charge_period_start"),
        ts("line_item_usage_end_date").alias("charge_period_end"),
        line_type.replace_strict(_CHARGE_CATEGORY, default="Adjustment").alias("charge_category"),
        pricing_category.alias("pricing_category"),
        pl.coalesce(text("product_product_name"), _product_key(schema, "product_name"),
                    text("line_item_product_code")).alias("service_name"),
        text("line_item_product_code").replace_strict(
            _service_categories(), default=None, return_dtype=pl.Utf8).alias("service_category"),
        pl.coalesce(text("product_sku"), _product_key(schema, "sku")).alias("sku_id"),
        text("line_item_resource_id").alias("resource_id"),
        pl.coalesce(text("product_region_code"), _product_key(schema, "region_code"),
                    text("product_region"), _product_key(schema, "region")).alias("region"),
        usage_amount.alias("usage_quantity"),
        text("pricing_unit").alias("usage_unit"),
        money("pricing_public_on_demand_cost").alias("list_cost"),
        # Reserved usage bills 0 and CUR carries no negotiated rate for it, so its contracted
        # cost is the on-demand cost; otherwise the net of negotiated discounts (EDP, PPA).
        pl.when(line_type == "DiscountedUsage")
        .then(pl.coalesce(money("pricing_public_on_demand_cost"), unblended))
        .otherwise(money("line_item_net_unblended_cost") if "line_item_net_unblended_cost" in names
                   else unblended).cast(MONEY).alias("contracted_cost"),
        unblended.alias("billed_cost"),
        effective.alias("effective_cost"),
        text("line_item_currency_code").str.to_uppercase().alias("billing_currency"),
        line_type.replace_strict(_FREQUENCY, default="Usage-Based").alias("charge_frequency"),
        commitment_id.alias("commitment_discount_id"),
        pl.when(is_type(["SavingsPlanCoveredUsage", "DiscountedUsage"])).then(pl.lit("Used"))
        .when(is_type(["SavingsPlanRecurringFee", "RIFee"])).then(pl.lit("Unused"))
        .alias("commitment_discount_status"),
        _tags(schema).alias("tags"),
        pl.lit(period).alias("x_billing_period"),
        line_type.alias("x_line_item_type"),
        *accelerator_columns(pl.col("_instance_type"), usage_amount,
                             is_type(_GPU_HOUR_TYPES) & hourly),
        text("line_item_line_item_description").alias("x_charge_description"),
        pl.lit(source).alias("x_source"),
        pl.col("_file").alias("x_source_file"),
        pl.col("_row").cast(pl.Int64).alias("x_source_row"),
    )
    return conform(out)


def cur_problems(raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
    """Values in ``raw`` that gave no value in ``lines``, by file, row and column."""
    problems: list[InputProblem] = []
    checks = dict(_PARSED)
    checks.update({name: ("effective_cost", "a number") for name in _EFFECTIVE_INPUTS})
    for column, (parsed, what) in checks.items():
        if column not in raw.columns:
            continue
        text = raw.get_column(column).cast(pl.Utf8).str.strip_chars()
        given = text.is_not_null() & (text != "")
        if parsed == "effective_cost":
            bad = given & to_decimal_series(text).is_null()
        else:
            bad = given & lines.get_column(parsed).is_null()
        offenders = raw.filter(bad).select("_file", "_row", column).head(20)
        for file, row, value in offenders.iter_rows():
            problems.append(InputProblem(file=file, row=row, column=column,
                                         message=f"{what} expected, found {value!r}"))
    return problems


def to_decimal_series(text: pl.Series) -> pl.Series:
    return pl.select(text.cast(MONEY, strict=False)).to_series()


@cache
def _service_categories() -> dict[str, str]:
    table = pl.read_csv(_CATEGORIES, infer_schema=False)
    return dict(zip(table["product_code"], table["ServiceCategory"], strict=True))


def _product_key(schema: pl.Schema, key: str) -> pl.Expr:
    """A key of CUR 2.0's ``product`` map (a map column in parquet, JSON text in CSV)."""
    return _map_value(schema, "product", key)


def _map_value(schema: pl.Schema, column: str, key: str) -> pl.Expr:
    dtype = schema.get(column)
    if dtype is None:
        return pl.lit(None, dtype=pl.Utf8)
    if dtype == pl.Utf8:
        return pl.col(column).str.json_path_match(f"$.{key}")
    entries = _entries(pl.col(column), dtype)
    return entries.list.eval(
        pl.element().filter(pl.element().struct.field("key") == key).struct.field("value")
    ).list.first()


def _entries(expr: pl.Expr, dtype: Any) -> pl.Expr:
    if type(dtype).__name__ == "Map":
        expr = expr.to_physical()
    return expr.cast(pl.List(TAG_ENTRY))


def _tags(schema: pl.Schema) -> pl.Expr:
    """Resource tags as AWS wrote their keys: ``user:team`` (legacy CSV), ``user_team``
    (parquet, CUR 2.0). Empty values mean "not tagged" and are dropped."""
    parts = []
    if "resource_tags" in schema:
        dtype = schema["resource_tags"]
        if dtype == pl.Utf8:
            from connectors.focus_normalize import decode_tags

            parts.append(pl.col("resource_tags").map_batches(
                decode_tags, return_dtype=pl.List(TAG_ENTRY)))
        else:
            parts.append(_entries(pl.col("resource_tags"), dtype))
    columns = [name for name in schema.names() if name.startswith(TAG_PREFIX)]
    if columns:
        parts.append(pl.concat_list([
            pl.struct(pl.lit(name[len(TAG_PREFIX):]).alias("key"),
                      pl.col(name).cast(pl.Utf8).alias("value"))
            for name in columns
        ]))
    if not parts:
        return pl.lit(None, dtype=pl.List(TAG_ENTRY))
    combined = pl.concat_list(parts) if len(parts) > 1 else parts[0]
    return combined.list.eval(pl.element().filter(
        pl.element().struct.field("value").is_not_null()
        & (pl.element().struct.field("value") != "")))
