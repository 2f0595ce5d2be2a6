"""FOCUS rows -> marts.cost_lines: a pure LazyFrame -> LazyFrame function, and its input checks.

Providers' FOCUS exports agree on names but not on spelling of values ("Usage-based" vs
"Usage-Based"), on nulls, zones or tag encoding; this is where those differences end.
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from connectors.accelerator_columns import accelerator_columns
from connectors.cost_model import TAG_ENTRY, conform
from connectors.errors import InputProblem
from connectors.parsing import MONEY, timestamp_expr, to_decimal

#: Raw FOCUS column -> the cost_lines column parsed from it, and what it must hold.
_PARSED = {
    "BilledCost": ("billed_cost", "a number"),
    "EffectiveCost": ("effective_cost", "a number"),
    "ListCost": ("list_cost", "a number"),
    "ContractedCost": ("contracted_cost", "a number"),
    "ConsumedQuantity": ("usage_quantity", "a number"),
    "ChargePeriodStart": ("charge_period_start", "a timestamp"),
    "ChargePeriodEnd": ("charge_period_end", "a timestamp"),
    "Tags": ("tags", "a JSON object"),
}

_CANONICAL_VALUES: dict[str, dict[str, str]] = {
    "ChargeCategory": {v.lower(): v for v in ("Usage", "Purchase", "Tax", "Credit", "Adjustment")},
    "PricingCategory": {
        **{v.lower(): v for v in ("Standard", "Dynamic", "Committed", "Other")},
        "on-demand": "Standard",
        "ondemand": "Standard",
        "spot": "Dynamic",
        "commitment-based": "Committed",
    },
    "ChargeFrequency": {v.lower(): v for v in ("One-Time", "Recurring", "Usage-Based")},
    "CommitmentDiscountStatus": {"used": "Used", "unused": "Unused"},
    "ChargeClass": {"correction": "Correction"},
}
_PROVIDERS = {
    "aws": "AWS",
    "amazon web services": "AWS",
    "amazon web services, inc.": "AWS",
    "microsoft": "Microsoft",
    "azure": "Microsoft",
    "microsoft azure": "Microsoft",
    "google cloud": "Google Cloud",
    "google": "Google Cloud",
    "gcp": "Google Cloud",
    "google cloud platform": "Google Cloud",
    "oracle": "Oracle",
    "oracle cloud infrastructure": "Oracle",
    "oci": "Oracle",
}
_HOUR_UNITS = ["hour", "hours", "hrs", "hr", "1 hour", "instance-hours"]


def focus_problems(raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
    """Values in ``raw`` that gave no value in ``lines`` (its normalized rows, in the same order),
    by file, row and column. Parsing happens once, in normalize_focus; this only compares."""
    problems: list[InputProblem] = []
    for column, (parsed, what) in _PARSED.items():
        if column not in raw.columns or (column == "Tags" and raw.schema[column] != pl.Utf8):
            continue
        text = raw.get_column(column).cast(pl.Utf8).str.strip_chars()
        bad = text.is_not_null() & (text != "") & lines.get_column(parsed).is_null()
        if not bad.any():
            continue
        offenders = raw.filter(bad).select("_file", "_row", column).head(20)
        for file, row, value in offenders.iter_rows():
            message = _tag_error(value) if column == "Tags" else f"{what} expected, found {value!r}"
            problems.append(InputProblem(file=file, row=row, column=column, message=message))
    return problems


def _tag_error(text: str) -> str:
    try:
        parse_tags(text)
    except ValueError as exc:
        return str(exc)
    return f"Tags could not be read: {text[:80]!r}"


def normalize_focus(raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
    """Map raw FOCUS rows of one billing period onto the cost_lines columns and types."""
    schema = raw.collect_schema()
    names = set(schema.names())

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in names else pl.lit(None, dtype=pl.Utf8)

    def text(name: str) -> pl.Expr:
        return col(name).cast(pl.Utf8).str.strip_chars()

    def money(name: str) -> pl.Expr:
        return to_decimal(name) if name in names else pl.lit(None, dtype=MONEY)

    def canonical(name: str) -> pl.Expr:
        mapping = _CANONICAL_VALUES[name]
        value = text(name)
        return value.str.to_lowercase().replace_strict(mapping, default=value, return_dtype=pl.Utf8)

    def ts(name: str) -> pl.Expr:
        if name not in names:
            return pl.lit(None, dtype=pl.Datetime("us"))
        return timestamp_expr(name, schema[name])

    provider = pl.coalesce(text("ServiceProviderName"), text("ProviderName"))
    usage_quantity = money("ConsumedQuantity")
    unit = text("ConsumedUnit").str.to_lowercase()
    is_hourly_usage = (canonical("ChargeCategory") == "Usage") & unit.is_in(_HOUR_UNITS)

    out = raw.select(
        provider.str.to_lowercase()
        .replace_strict(_PROVIDERS, default=provider, return_dtype=pl.Utf8)
        .alias("provider"),
        text("BillingAccountId").alias("billing_account_id"),
        text("SubAccountId").alias("sub_account_id"),
        pl.lit(date.fromisoformat(f"{period}-01")).alias("billing_period_start"),
        ts("ChargePeriodStart").alias("charge_period_start"),
        ts("ChargePeriodEnd").alias("charge_period_end"),
        canonical("ChargeCategory").alias("charge_category"),
        canonical("PricingCategory").alias("pricing_category"),
        text("ServiceName").alias("service_name"),
        text("ServiceCategory").alias("service_category"),
        text("SkuId").alias("sku_id"),
        text("ResourceId").alias("resource_id"),
        text("ResourceName").alias("resource_name"),
        pl.coalesce(text("RegionId"), text("RegionName")).alias("region"),
        usage_quantity.alias("usage_quantity"),
        text("ConsumedUnit").alias("usage_unit"),
        money("ListCost").alias("list_cost"),
        money("ContractedCost").alias("contracted_cost"),
        money("BilledCost").alias("billed_cost"),
        (money("EffectiveCost") if "EffectiveCost" in names else money("BilledCost")).alias(
            "effective_cost"
        ),
        text("BillingCurrency").str.to_uppercase().alias("billing_currency"),
        canonical("ChargeFrequency").alias("charge_frequency"),
        text("CommitmentDiscountId").alias("commitment_discount_id"),
        canonical("CommitmentDiscountStatus").alias("commitment_discount_status"),
        _tags(schema).alias("tags"),
        pl.lit(period).alias("x_billing_period"),
        *accelerator_columns(_instance_type(names), usage_quantity, is_hourly_usage),
        canonical("ChargeClass").alias("x_charge_class"),
        text("ChargeDescription").alias("x_charge_description"),
        text("HostProviderName").alias("x_host_provider"),
        text("InvoiceIssuerName").alias("x_invoice_issuer"),
        text("ContractApplied").alias("x_contract_applied"),
        text("AllocatedMethodId").alias("x_allocated_method_id"),
        text("AllocatedResourceId").alias("x_allocated_resource_id"),
        text("AllocatedResourceName").alias("x_allocated_resource_name"),
        pl.lit(source).alias("x_source"),
        pl.col("_file").alias("x_source_file"),
        pl.col("_row").cast(pl.Int64).alias("x_source_row"),
    )
    return conform(out)


def parse_tags(text: str) -> list[dict[str, str | None]]:
    """A FOCUS Tags JSON object (Azure writes it without its braces) -> key/value entries.

    Keys are kept as the provider wrote them; non-string values are kept as their JSON text.
    """
    body = text.strip()
    if not body:
        return []
    if not body.startswith("{"):
        body = "{" + body + "}"
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Tags is not a JSON object: {text[:80]!r} ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise ValueError(f"Tags is not a JSON object: {text[:80]!r}")
    return [
        {"key": str(k), "value": v if isinstance(v, str) or v is None else json.dumps(v)}
        for k, v in value.items()
    ]


def decode_tags(texts: pl.Series) -> pl.Series:
    """Tags JSON text -> key/value entries: polars' decoder, or parse_tags where it cannot cope
    (nested values, or invalid JSON, which becomes null and is reported by focus_problems)."""
    try:
        return _decode_tags_fast(texts)
    except pl.exceptions.PolarsError:
        return texts.map_elements(
            _parse_tags_or_none, return_dtype=pl.List(TAG_ENTRY), skip_nulls=True
        )


def _parse_tags_or_none(text: str) -> list[dict[str, str | None]] | None:
    """Invalid tags become null here; focus_problems then reports them by row."""
    try:
        return parse_tags(text)
    except ValueError:
        return None


def _decode_tags_fast(texts: pl.Series) -> pl.Series:
    body = texts.str.strip_chars()
    body = pl.select(
        pl.when(body == "")
        .then(None)
        .when(body.str.starts_with("{"))
        .then(body)
        .otherwise(pl.lit("{") + body + pl.lit("}"))
    ).to_series()
    decoded = body.str.json_decode(pl.Map(pl.String, pl.String))
    return decoded.to_physical().cast(pl.List(TAG_ENTRY)).alias(texts.name)


def _tags(schema: pl.Schema) -> pl.Expr:
    dtype = schema.get("Tags")
    if dtype is None:
        return pl.lit(None, dtype=pl.List(TAG_ENTRY))
    if dtype == pl.Utf8:
        return pl.col("Tags").map_batches(decode_tags, return_dtype=pl.List(TAG_ENTRY))
    tags = pl.col("Tags")
    if type(dtype).__name__ == "Map":  # polars 2 reads a parquet MAP as Map(key, value)
        tags = tags.to_physical()
        dtype = pl.List(TAG_ENTRY)
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        fields = [f.name for f in dtype.inner.fields]
        return tags.list.eval(
            pl.struct(
                pl.element().struct.field(fields[0]).cast(pl.Utf8).alias("key"),
                pl.element().struct.field(fields[1]).cast(pl.Utf8).alias("value"),
            )
        )
    raise ValueError(f"Tags column of type {dtype} is not supported (expected JSON text or a map)")


def _instance_type(names: set[str]) -> pl.Expr:
    candidates = [
        pl.col(n).cast(pl.Utf8) for n in names if n.lower() in {"x_instancetype", "x_instance_type"}
    ]
    if "SkuPriceDetails" in names:
        details = pl.col("SkuPriceDetails").cast(pl.Utf8)
        candidates += [
            details.str.json_path_match("$.InstanceType"),
            details.str.json_path_match("$.instanceType"),
        ]
    usage_types = [n for n in names if n.lower() in {"x_usagetype", "x_usage_type"}]
    if usage_types:
        # AWS's FOCUS export keeps the CUR usage type: USE1-SpotUsage:p4d.24xlarge.
        usage = pl.col(usage_types[0]).cast(pl.Utf8)
        candidates.append(
            pl.when(usage.str.contains(r"(Box|Spot|Dedicated|Host)Usage:")).then(
                usage.str.extract(_INSTANCE_AFTER_COLON, 1)
            )
        )
    if "ChargeDescription" in names:
        # FOCUS 1.0 exports from AWS carry the instance type only in the line item description:
        # "$1.624 per On Demand Linux g5.4xlarge Instance Hour".
        description = pl.col("ChargeDescription").cast(pl.Utf8)
        candidates.append(
            pl.when(description.str.contains(r"(?i)\binstance\b")).then(
                description.str.extract(_INSTANCE_IN_DESCRIPTION, 1)
            )
        )
    return pl.coalesce(candidates) if candidates else pl.lit(None, dtype=pl.Utf8)


_INSTANCE_AFTER_COLON = (
    r":((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|metal[a-z0-9-]*|medium|small|micro|nano))$"
)
_INSTANCE_IN_DESCRIPTION = (
    r"(?:^|[\s,(])((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|metal[a-z0-9-]*|medium|small|"
    r"micro|nano))(?:[\s,)]|$)"
)
