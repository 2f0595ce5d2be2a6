"""One Azure export row -> its cost_lines values, before the actual and amortized rows are combined.

Each row is read on its own here: which columns hold its cost, quantity, prices and ids in the
schema at hand, what kind of charge it is, its list cost, and the key (``_grain``) on which a row
of the actual export meets its twin in the amortized export. normalize.py combines them.

List cost follows the FinOps toolkit: PayGPrice x Quantity (PayGPrice is per block of the unit of
measure, as Quantity is), converted to the billing currency with the export's own
ExchangeRatePricingToBilling, or the export's paygCostInBillingCurrency where it has one. Where
PayGPrice is 0 or missing (reservation usage, Marketplace) it stays null for a price catalog to
fill, and so do spot rows, whose pay-as-you-go columns may hold the spot price.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from connectors.accelerator_columns import accelerator_columns
from connectors.azure.export import COST, DATE, azure_date, first_present
from connectors.azure.pricing_units import block_size, distinct_unit
from connectors.cost_model import TAG_ENTRY
from connectors.focus.normalize import decode_tags
from connectors.parsing import MONEY

QUANTITY = ("Quantity", "UsageQuantity")
UNIT_PRICE = ("UnitPrice", "ResourceRate")
CURRENCY = ("BillingCurrencyCode", "BillingCurrency", "Currency")
COMMITMENT = ("BenefitId", "ReservationId")

#: Raw columns that must parse when given, and what they must hold (see azure_problems).
NUMBERS = (
    *COST,
    *QUANTITY,
    *UNIT_PRICE,
    "PayGPrice",
    "EffectivePrice",
    "ExchangeRatePricingToBilling",
    "PaygCostInBillingCurrency",
)
DATES = (*DATE, "BillingPeriodStartDate")

_CHARGE_CATEGORY = {
    "usage": "Usage",
    "purchase": "Purchase",
    "tax": "Tax",
    "refund": "Credit",
    "unusedreservation": "Usage",
    "unusedsavingsplan": "Usage",
    "roundingadjustment": "Adjustment",
}
_FREQUENCY = {"onetime": "One-Time", "recurring": "Recurring", "usagebased": "Usage-Based"}
_COMMITTED_MODELS = ["reservation", "savingsplan"]
_UNUSED = ["unusedreservation", "unusedsavingsplan"]
#: Values summed when rows of one grain are combined; everything else is taken from one row.
SUMMED = ("usage_quantity", "list_cost", "contracted_cost", "x_gpu_hours")


def money(expr: pl.Expr) -> pl.Expr:
    """Exact Decimal from text (plain or scientific notation); null where it does not parse."""
    return expr.cast(pl.Utf8).str.strip_chars().cast(MONEY, strict=False)


class _Columns:
    """Text of the raw columns by canonical name; absent columns read as null."""

    def __init__(self, names: list[str]):
        self.names = names

    def text(self, name: str) -> pl.Expr:
        return first_present(self.names, (name,))

    def first(self, candidates: tuple[str, ...]) -> pl.Expr:
        return first_present(self.names, candidates)

    def lower(self, name: str) -> pl.Expr:
        return self.text(name).str.to_lowercase()


def grain_key(names: list[str]) -> pl.Expr:
    """What an actual row and its amortized twin share, as one text key: day, subscription,
    resource, meter, charge type, pricing model, commitment, unit, quantity and currency (the
    exports have no common row id, and only the cost columns differ between them)."""
    cols = _Columns(names)
    parts = [
        azure_date(cols.first(DATE)).cast(pl.Utf8),
        cols.first(("SubscriptionId", "SubscriptionGuid")).str.to_lowercase(),
        cols.first(("ResourceId", "InstanceId", "InstanceName")).str.to_lowercase(),
        cols.first(("MeterId", "MeterName")).str.to_lowercase(),
        cols.lower("ChargeType"),
        cols.lower("PricingModel"),
        cols.first(COMMITMENT).str.to_lowercase(),
        cols.lower("UnitOfMeasure"),
        money(cols.first(QUANTITY)).cast(pl.Utf8),
        cols.first(CURRENCY).str.to_uppercase(),
    ]
    return pl.concat_str([p.fill_null("") for p in parts], separator="|").alias("_grain")


def azure_rows(raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
    """Every raw row as cost_lines values, plus _kind, _cost (the row's own cost), _grain and
    _commitment_purchase (a reservation or savings plan bought or refunded)."""
    names = raw.collect_schema().names()
    cols = _Columns(names)
    kind = cols.text("_kind").fill_null("actual")
    charge_type = cols.lower("ChargeType")
    model = cols.lower("PricingModel")
    usage = charge_type.is_null() | (charge_type == "usage")
    spot = (model == "spot").fill_null(False) | (
        model.is_null()
        & cols.text("MeterName").str.contains(r"(?i)\b(spot|low priority)$").fill_null(False)
    )
    committed_model = model.is_in(_COMMITTED_MODELS).fill_null(False)
    unused = charge_type.is_in(_UNUSED).fill_null(False)
    bought = charge_type.is_in(["purchase", "refund"]).fill_null(False)
    commitment = committed_model | unused

    cost_text = cols.first(COST)
    cost = pl.when(cost_text.is_null()).then(pl.lit(0).cast(MONEY)).otherwise(money(cost_text))
    quantity = money(cols.first(QUANTITY))
    unit = cols.text("UnitOfMeasure")
    usage_quantity = (quantity * block_size(unit)).cast(MONEY)
    currency = cols.first(CURRENCY).str.to_uppercase()
    to_billing = _to_billing(cols, currency)
    list_cost = _list_cost(cols, quantity, to_billing, spot)
    price = pl.coalesce(
        money(cols.first(UNIT_PRICE)),
        pl.when(kind == "amortized").then(money(cols.text("EffectivePrice"))),
    )
    contracted = (price * quantity * to_billing).cast(MONEY)

    day = azure_date(cols.first(DATE)).cast(pl.Datetime("us"))
    resource_id = cols.first(("ResourceId", "InstanceId", "InstanceName"))
    hourly_usage = usage & (distinct_unit(unit) == "Hours").fill_null(False)
    frequency = cols.lower("Frequency")
    out = raw.select(
        pl.lit("Microsoft").alias("provider"),
        cols.first(("BillingAccountId", "BillingAccountName", "EnrollmentNumber")).alias(
            "billing_account_id"
        ),
        cols.first(("SubscriptionId", "SubscriptionGuid")).alias("sub_account_id"),
        pl.lit(date.fromisoformat(f"{period}-01")).alias("billing_period_start"),
        day.alias("charge_period_start"),
        (day + timedelta(days=1)).alias("charge_period_end"),
        pl.when(charge_type.is_null())
        .then(pl.lit("Usage"))
        .otherwise(
            charge_type.replace_strict(_CHARGE_CATEGORY, default="Adjustment", return_dtype=pl.Utf8)
        )
        .alias("charge_category"),
        pl.when(charge_type == "tax")
        .then(None)
        .when(bought)
        .then(pl.lit("Standard"))
        .when(spot)
        .then(pl.lit("Dynamic"))
        .when(commitment)
        .then(pl.lit("Committed"))
        .otherwise(pl.lit("Standard"))
        .alias("pricing_category"),
        cols.first(("MeterCategory", "ConsumedService")).alias("service_name"),
        cols.first(("MeterId", "ProductId")).alias("sku_id"),
        resource_id.alias("resource_id"),
        pl.coalesce(
            resource_id.str.strip_chars_end("/").str.extract(r"([^/]+)$", 1),
            cols.text("ResourceName"),
        ).alias("resource_name"),
        pl.coalesce(cols.text("ResourceLocation"), cols.text("Location")).alias("region"),
        usage_quantity.alias("usage_quantity"),
        distinct_unit(unit).alias("usage_unit"),
        list_cost.alias("list_cost"),
        contracted.alias("contracted_cost"),
        currency.alias("billing_currency"),
        pl.when(frequency.is_null())
        .then(pl.lit("Usage-Based"))
        .otherwise(frequency.replace_strict(_FREQUENCY, default="Other", return_dtype=pl.Utf8))
        .alias("charge_frequency"),
        pl.when(commitment).then(cols.first(COMMITMENT)).alias("commitment_discount_id"),
        pl.when(unused)
        .then(pl.lit("Unused"))
        .when(usage & committed_model)
        .then(pl.lit("Used"))
        .alias("commitment_discount_status"),
        _tags(names).alias("tags"),
        pl.lit(period).alias("x_billing_period"),
        cols.text("ChargeType").alias("x_line_item_type"),
        *accelerator_columns(_instance_type(cols), usage_quantity, hourly_usage),
        pl.coalesce(cols.text("ProductName"), cols.text("Product")).alias("x_charge_description"),
        cols.text("MeterName").alias("x_usage_type"),
        pl.lit(source).alias("x_source"),
        pl.col("_file").alias("x_source_file"),
        pl.col("_row").cast(pl.Int64).alias("x_source_row"),
        kind.alias("_kind"),
        cost.alias("_cost"),
        # what a retail price lookup needs for a spot line (see normalize_azure)
        (spot & hourly_usage).alias("_spot_hours"),
        _instance_type(cols).str.to_lowercase().alias("_vm_size"),
        pl.coalesce(cols.text("ResourceLocation"), cols.text("Location"))
        .str.to_lowercase()
        .str.replace_all(" ", "")
        .alias("_region_key"),
        pl.when(
            pl.concat_str(
                [cols.text("MeterSubCategory"), cols.text("ProductName")], ignore_nulls=True
            ).str.contains("(?i)windows")
        )
        .then(pl.lit("windows"))
        .otherwise(pl.lit("linux"))
        .alias("_os"),
        pl.when(money(cols.text("ExchangeRatePricingToBilling")).fill_null(0) != 0)
        .then(money(cols.text("ExchangeRatePricingToBilling")))
        .when(currency == "USD")
        .then(pl.lit(1).cast(MONEY))
        .cast(MONEY)
        .alias("_usd_rate"),
        (bought & commitment).alias("_commitment_purchase"),
        grain_key(names),
    )
    return out


def _to_billing(cols: _Columns, currency: pl.Expr) -> pl.Expr:
    """Pricing -> billing currency factor: the export's own exchange rate (MCA), 1 where prices
    are already in the billing currency (EA), null where they are not and no rate is given."""
    rate = money(cols.text("ExchangeRatePricingToBilling"))
    pricing = cols.text("PricingCurrency").str.to_uppercase()
    same = pricing.is_null() | currency.is_null() | (pricing == currency)
    return (
        pl.when(rate.is_not_null() & (rate != 0))
        .then(rate)
        .when(same)
        .then(pl.lit(1).cast(MONEY))
        .cast(MONEY)
    )


def _list_cost(cols: _Columns, quantity: pl.Expr, to_billing: pl.Expr, spot: pl.Expr) -> pl.Expr:
    payg_cost = money(cols.text("PaygCostInBillingCurrency"))
    payg_price = money(cols.text("PayGPrice"))
    return (
        pl.when(spot)
        .then(None)
        .when(payg_cost.is_not_null() & (payg_cost != 0))
        .then(payg_cost)
        .when(payg_price.is_not_null() & (payg_price != 0))
        .then(payg_price * quantity * to_billing)
        .cast(MONEY)
    )


def _instance_type(cols: _Columns) -> pl.Expr:
    """The VM size: AdditionalInfo's ServiceType (``Standard_NC24ads_A100_v4``), else the meter
    of a Virtual Machines row (``NC24ads A100 v4 Spot`` -> ``Standard_NC24ads_A100_v4``; of
    ``D2 v3/D2s v3`` the last size). Other services' ServiceType values are not VM sizes."""
    info = cols.text("AdditionalInfo")
    body = pl.when(info.str.starts_with("{")).then(info).otherwise(pl.lit("{") + info + "}")
    service_type = body.str.json_path_match("$.ServiceType")
    from_info = pl.when(service_type.str.contains(r"(?i)^(standard|basic)_")).then(service_type)
    meter = (
        cols.text("MeterName")
        .str.replace(r"(?i)\s+(spot|low priority)$", "")
        .str.split("/")
        .list.last()
        .str.strip_chars()
    )
    is_vm = cols.lower("MeterCategory") == "virtual machines"
    from_meter = pl.when(is_vm & meter.str.contains(r"^[A-Za-z]+\d")).then(
        pl.lit("Standard_") + meter.str.replace_all(r"\s+", "_")
    )
    return pl.coalesce(from_info, from_meter)


def _tags(names: list[str]) -> pl.Expr:
    """Tags JSON, with or without its braces (``"env": "prod","cost":"3"`` is valid Azure)."""
    if "Tags" not in names:
        return pl.lit(None, dtype=pl.List(TAG_ENTRY))
    return pl.col("Tags").cast(pl.Utf8).map_batches(decode_tags, return_dtype=pl.List(TAG_ENTRY))
