"""GCP billing export rows -> marts.cost_lines.

``cost`` is what usage cost at the account's (negotiated) prices before credits, and every credit
(committed use and sustained use discounts, promotions, free tier, ...) is its own negative
amount, so ``billed_cost`` and ``effective_cost`` are the net: cost + the sum of credit amounts.
Credits are also kept by type in ``x_credits_*``. ``contracted_cost`` is ``cost``; ``list_cost``
is ``cost_at_list`` where the export has it.

Spot and preemptible capacity is billed as separate SKUs with their own (lower) list price and no
discount line, so their list cost is the on-demand equivalent from the Cloud Catalog, passed in
as ``on_demand`` (spot SKU id -> USD price per pricing unit), converted to the billing currency
with the export's own ``currency_conversion_rate``. Without a catalog price it stays null rather
than understating the saving.

GCP bills GPUs as their own SKUs ("Nvidia Tesla A100 GPU running in Americas"), so GPU-hours are
those SKUs' hours; the VM's cores and memory are other lines of the same resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl

from connectors.cost_model import conform
from connectors.errors import InputProblem
from connectors.parsing import MONEY, to_decimal, to_utc_naive

_CATEGORIES = Path(__file__).resolve().parents[1] / "data" / "gcp_service_categories.csv"
CREDIT_TYPES = (
    "COMMITTED_USAGE_DISCOUNT",
    "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
    "SUSTAINED_USAGE_DISCOUNT",
    "DISCOUNT",
    "PROMOTION",
    "FREE_TIER",
    "FEE_UTILIZATION_OFFSET",
    "SUBSCRIPTION_BENEFIT",
    "RESELLER_MARGIN",
)
_COMMITTED_CREDITS = ["COMMITTED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"]
_SPOT = r"(?i)\b(spot|preemptible)\b"
_GPU_SKU = r"(?i)\bgpu\b"
_GPU_MODEL = (
    r"(?i)\b(H200 141GB|H100 80GB Mega|H100 80GB|H100|A100 80GB|A100|L4|T4|V100|P100|"
    r"P4|K80|B200|GB200)\b"
)
_CHARGE_CATEGORY = {
    "regular": "Usage",
    "tax": "Tax",
    "adjustment": "Adjustment",
    "rounding_error": "Adjustment",
}
#: Numbers the normalizer parses, with what each should hold (for the problem report).
PARSED = {
    "cost": "a number",
    "cost_at_list": "a number",
    "usage.amount": "a number",
    "usage.amount_in_pricing_units": "a number",
    "currency_conversion_rate": "a number",
    "usage_start_time": "a timestamp",
    "usage_end_time": "a timestamp",
}


OnDemand = Mapping[str, Decimal] | Callable[[set[str]], Mapping[str, Decimal]]


def normalize_gcp(
    raw: pl.LazyFrame, *, source: str, period: str, on_demand: OnDemand | None = None
) -> pl.LazyFrame:
    """``on_demand``: spot SKU id -> on-demand USD price per pricing unit, or a function asked
    once with the period's spot SKU ids (so a catalog is fetched only when there are some)."""
    names = set(raw.collect_schema().names())
    if callable(on_demand):
        spot_skus = (
            raw.filter(pl.col("sku.description").str.contains(_SPOT))
            .select("sku.id")
            .unique()
            .collect()
            .to_series()
            .drop_nulls()
            .to_list()
        )
        on_demand = on_demand(set(spot_skus)) if spot_skus else {}

    def text(name: str) -> pl.Expr:
        if name not in names:
            return pl.lit(None, dtype=pl.Utf8)
        return pl.col(name).str.strip_chars().replace("", None)

    def money(name: str) -> pl.Expr:
        return to_decimal(name) if name in names else pl.lit(None, dtype=MONEY)

    rows = raw.join(_credit_totals(raw), on=["_file", "_row"], how="left")
    credits = pl.col("_credits").fill_null(Decimal(0)).cast(MONEY)
    cost = money("cost")
    net = (cost + credits).cast(MONEY)
    sku = text("sku.description")
    cost_type = text("cost_type").str.to_lowercase()
    is_usage = cost_type.is_null() | (cost_type == "regular")
    is_commitment_fee = sku.str.starts_with("Commitment").fill_null(False)
    spot = sku.str.contains(_SPOT).fill_null(False)
    committed = pl.col("_cud_id").is_not_null()
    pricing_category = (
        pl.when(~is_usage)
        .then(None)
        .when(is_commitment_fee | committed)
        .then(pl.lit("Committed"))
        .when(spot)
        .then(pl.lit("Dynamic"))
        .otherwise(pl.lit("Standard"))
    )
    pricing_units = money("usage.amount_in_pricing_units")
    hourly = text("usage.pricing_unit").str.to_lowercase().is_in(["hour", "hours", "h"])
    gpu_sku = (
        sku.str.contains(_GPU_SKU).fill_null(False)
        & ~is_commitment_fee
        & is_usage
        & hourly.fill_null(False)
    )
    rate = money("currency_conversion_rate")
    catalog_list = _catalog_list_cost(on_demand or {}, pricing_units, rate)
    out = rows.select(
        pl.lit("Google Cloud").alias("provider"),
        text("billing_account_id").alias("billing_account_id"),
        text("project.id").alias("sub_account_id"),
        pl.lit(date.fromisoformat(f"{period}-01")).alias("billing_period_start"),
        to_utc_naive("usage_start_time").alias("charge_period_start"),
        to_utc_naive("usage_end_time").alias("charge_period_end"),
        pl.when(is_commitment_fee & is_usage)
        .then(pl.lit("Purchase"))
        .otherwise(cost_type.replace_strict(_CHARGE_CATEGORY, default="Usage"))
        .alias("charge_category"),
        pricing_category.alias("pricing_category"),
        text("service.description").alias("service_name"),
        text("service.description")
        .replace_strict(_service_categories(), default="Other", return_dtype=pl.Utf8)
        .alias("service_category"),
        text("sku.id").alias("sku_id"),
        pl.coalesce(text("resource.global_name"), text("resource.name")).alias("resource_id"),
        text("resource.name").alias("resource_name"),
        pl.coalesce(text("location.region"), text("location.location")).alias("region"),
        pricing_units.alias("usage_quantity"),
        text("usage.pricing_unit").alias("usage_unit"),
        pl.when(spot & is_usage)
        .then(catalog_list)
        .otherwise(money("cost_at_list"))
        .cast(MONEY)
        .alias("list_cost"),
        cost.alias("contracted_cost"),
        net.alias("billed_cost"),
        net.alias("effective_cost"),
        text("currency").str.to_uppercase().alias("billing_currency"),
        pl.when(is_commitment_fee)
        .then(pl.lit("Recurring"))
        .otherwise(pl.lit("Usage-Based"))
        .alias("charge_frequency"),
        pl.col("_cud_id").alias("commitment_discount_id"),
        pl.when(committed & is_usage & ~is_commitment_fee)
        .then(pl.lit("Used"))
        .alias("commitment_discount_status"),
        pl.concat_list(_records("labels", names), _records("system_labels", names)).alias("tags"),
        pl.lit(period).alias("x_billing_period"),
        cost_type.alias("x_line_item_type"),
        _machine_type(names).alias("x_instance_type"),
        pl.when(gpu_sku).then(pl.lit(1)).cast(MONEY).alias("x_gpu_count"),
        pl.when(gpu_sku).then(pricing_units).cast(MONEY).alias("x_gpu_hours"),
        pl.when(gpu_sku).then(sku.str.extract(_GPU_MODEL, 1)).alias("x_gpu_model"),
        pl.when(text("adjustment_info.id").is_not_null())
        .then(pl.lit("Correction"))
        .alias("x_charge_class"),
        sku.alias("x_charge_description"),
        *[
            pl.col(f"_credit_{kind}").alias(f"x_credits_{kind.lower()}")
            for kind in (*CREDIT_TYPES, "OTHER")
        ],
        pl.lit(source).alias("x_source"),
        pl.col("_file").alias("x_source_file"),
        pl.col("_row").cast(pl.Int64).alias("x_source_row"),
    )
    return conform(out)


def _credit_totals(raw: pl.LazyFrame) -> pl.LazyFrame:
    """Per raw row: the sum of its credits, the sum per credit type, and its CUD credit's id."""
    amount = pl.col("_credit").struct.field("amount").str.strip_chars().cast(MONEY, strict=False)
    kind = pl.col("_credit").struct.field("type").str.to_uppercase()
    exploded = (
        raw.select("_file", "_row", pl.col("credits").alias("_credit"))
        .explode("_credit")
        .filter(pl.col("_credit").is_not_null())
    )
    return exploded.group_by("_file", "_row").agg(
        amount.sum().alias("_credits"),
        *[amount.filter(kind == t).sum().alias(f"_credit_{t}") for t in CREDIT_TYPES],
        amount.filter(~kind.is_in(CREDIT_TYPES) | kind.is_null()).sum().alias("_credit_OTHER"),
        pl.col("_credit")
        .struct.field("id")
        .filter(kind.is_in(_COMMITTED_CREDITS))
        .first()
        .alias("_cud_id"),
    )


def _catalog_list_cost(on_demand: Mapping[str, Decimal], units: pl.Expr, rate: pl.Expr) -> pl.Expr:
    if not on_demand:
        return pl.lit(None, dtype=MONEY)
    prices = (
        pl.col("sku.id")
        .replace_strict(
            {k: str(v) for k, v in on_demand.items()}, default=None, return_dtype=pl.Utf8
        )
        .cast(MONEY)
    )
    return (prices * units * rate.fill_null(Decimal(1))).cast(MONEY)


def _records(name: str, names: set[str]) -> pl.Expr:
    if name not in names:
        return pl.lit([], dtype=pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8})))
    return pl.col(name).fill_null([])


def _machine_type(names: set[str]) -> pl.Expr:
    """``compute.googleapis.com/machine_spec`` from the system labels (a2-highgpu-1g)."""
    if "system_labels" not in names:
        return pl.lit(None, dtype=pl.Utf8)
    spec = pl.col("system_labels").list.eval(
        pl.element()
        .filter(pl.element().struct.field("key") == "compute.googleapis.com/machine_spec")
        .struct.field("value")
    )
    return spec.list.first()


def gcp_problems(raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
    """Values in ``raw`` that would not parse, by file, row and column."""
    problems: list[InputProblem] = []
    for column, what in PARSED.items():
        if column not in raw.columns:
            continue
        given = raw.get_column(column).str.strip_chars().fill_null("") != ""
        parsed = raw.select(
            to_utc_naive(column) if what == "a timestamp" else to_decimal(column)
        ).to_series()
        offenders = raw.filter(given & parsed.is_null()).select("_file", "_row", column).head(20)
        problems += [
            InputProblem(file=f, row=r, column=column, message=f"{what} expected, found {v!r}")
            for f, r, v in offenders.iter_rows()
        ]
    credits = raw.select("_file", "_row", pl.col("credits").alias("_credit")).explode("_credit")
    amount = pl.col("_credit").struct.field("amount")
    bad = credits.filter(
        amount.is_not_null() & amount.str.strip_chars().cast(MONEY, strict=False).is_null()
    ).head(20)
    problems += [
        InputProblem(
            file=f,
            row=r,
            column="credits",
            message=f"a credit amount expected, found {c['amount']!r}",
        )
        for f, r, c in bad.iter_rows()
    ]
    return problems


def gcp_control_totals(raw: pl.DataFrame) -> list[tuple[str | None, int, Decimal]]:
    """The export's own net total per currency (cost + credits), summed with Python's Decimal
    from the text, independently of the polars normalization."""
    totals: dict[str | None, list[int | Decimal]] = {}
    for currency, cost, credits in raw.select("currency", "cost", "credits").iter_rows():
        entry = totals.setdefault(currency.strip().upper() if currency else None, [0, Decimal(0)])
        entry[0] = int(entry[0]) + 1
        net = Decimal(cost.strip()) if cost and cost.strip() else Decimal(0)
        net += sum((Decimal(c["amount"]) for c in credits or [] if c["amount"]), Decimal(0))
        entry[1] = Decimal(entry[1]) + net
    return [(code, int(n), Decimal(total)) for code, (n, total) in totals.items()]


@cache
def _service_categories() -> dict[str, str]:
    table = pl.read_csv(_CATEGORIES, infer_schema=False)
    return dict(zip(table["ConsumedService"], table["ServiceCategory"], strict=True))
