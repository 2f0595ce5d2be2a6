"""marts.cost_lines: the one FOCUS-aligned cost table that every billing connector feeds.

Declared once here so each normalizer produces exactly these columns and types, and the warehouse
creates the table from the same list. Money is DECIMAL(38,10), timestamps are naive UTC.
"""

from __future__ import annotations

import re

import polars as pl

from connectors.parsing import MONEY

TAG_ENTRY = pl.Struct({"key": pl.Utf8, "value": pl.Utf8})

#: (column, polars dtype, DuckDB type). ``tags`` travels as a list of key/value structs because
#: polars has no map type; the warehouse turns it into MAP(VARCHAR, VARCHAR) on insert.
COST_LINES: list[tuple[str, pl.DataType, str]] = [
    ("provider", pl.Utf8(), "VARCHAR"),
    ("billing_account_id", pl.Utf8(), "VARCHAR"),
    ("sub_account_id", pl.Utf8(), "VARCHAR"),
    ("billing_period_start", pl.Date(), "DATE"),
    ("charge_period_start", pl.Datetime("us"), "TIMESTAMP"),
    ("charge_period_end", pl.Datetime("us"), "TIMESTAMP"),
    ("charge_category", pl.Utf8(), "VARCHAR"),
    ("pricing_category", pl.Utf8(), "VARCHAR"),
    ("service_name", pl.Utf8(), "VARCHAR"),
    ("service_category", pl.Utf8(), "VARCHAR"),
    ("sku_id", pl.Utf8(), "VARCHAR"),
    ("resource_id", pl.Utf8(), "VARCHAR"),
    ("resource_name", pl.Utf8(), "VARCHAR"),
    ("region", pl.Utf8(), "VARCHAR"),
    ("usage_quantity", MONEY, "DECIMAL(38,10)"),
    ("usage_unit", pl.Utf8(), "VARCHAR"),
    ("list_cost", MONEY, "DECIMAL(38,10)"),
    ("contracted_cost", MONEY, "DECIMAL(38,10)"),
    ("billed_cost", MONEY, "DECIMAL(38,10)"),
    ("effective_cost", MONEY, "DECIMAL(38,10)"),
    ("billing_currency", pl.Utf8(), "VARCHAR"),
    ("charge_frequency", pl.Utf8(), "VARCHAR"),
    ("commitment_discount_id", pl.Utf8(), "VARCHAR"),
    ("commitment_discount_status", pl.Utf8(), "VARCHAR"),
    ("tags", pl.List(TAG_ENTRY), "MAP(VARCHAR, VARCHAR)"),
    ("x_tags_normalized", pl.List(TAG_ENTRY), "MAP(VARCHAR, VARCHAR)"),
    ("x_billing_period", pl.Utf8(), "VARCHAR"),
    ("x_line_item_type", pl.Utf8(), "VARCHAR"),
    ("x_instance_type", pl.Utf8(), "VARCHAR"),
    ("x_gpu_count", MONEY, "DECIMAL(38,10)"),
    ("x_gpu_hours", MONEY, "DECIMAL(38,10)"),
    ("x_gpu_model", pl.Utf8(), "VARCHAR"),
    ("x_accelerator_count", MONEY, "DECIMAL(38,10)"),
    ("x_accelerator_type", pl.Utf8(), "VARCHAR"),
    ("x_charge_class", pl.Utf8(), "VARCHAR"),
    ("x_charge_description", pl.Utf8(), "VARCHAR"),
    ("x_host_provider", pl.Utf8(), "VARCHAR"),
    ("x_invoice_issuer", pl.Utf8(), "VARCHAR"),
    ("x_contract_applied", pl.Utf8(), "VARCHAR"),
    ("x_allocated_method_id", pl.Utf8(), "VARCHAR"),
    ("x_allocated_resource_id", pl.Utf8(), "VARCHAR"),
    ("x_allocated_resource_name", pl.Utf8(), "VARCHAR"),
    # Model-API and managed-AI lines: the provider's usage type or meter name as written (CUR
    # line_item_usage_type, Azure MeterName), the model and token type where a connector knows
    # them, and which admin-API report (cost or usage) a model-API line came from.
    ("x_usage_type", pl.Utf8(), "VARCHAR"),
    ("x_ai_model", pl.Utf8(), "VARCHAR"),
    ("x_token_type", pl.Utf8(), "VARCHAR"),
    ("x_ai_report", pl.Utf8(), "VARCHAR"),
    # GCP credits by type (negative amounts); billed_cost is already net of them.
    *[
        (f"x_credits_{kind}", MONEY, "DECIMAL(38,10)")
        for kind in (
            "committed_usage_discount",
            "committed_usage_discount_dollar_base",
            "sustained_usage_discount",
            "discount",
            "promotion",
            "free_tier",
            "fee_utilization_offset",
            "subscription_benefit",
            "reseller_margin",
            "other",
        )
    ],
    ("x_source", pl.Utf8(), "VARCHAR"),
    ("x_source_file", pl.Utf8(), "VARCHAR"),
    ("x_source_row", pl.Int64(), "BIGINT"),
]

COLUMN_NAMES = [name for name, _, _ in COST_LINES]
MAP_COLUMNS = [name for name, _, sql_type in COST_LINES if sql_type.startswith("MAP")]


def normalize_tag_key(key: str) -> str:
    """The matching form of a tag key: ``user:Training-Run`` and CUR 2.0's ``user_training_run``
    are both ``training_run``. Lower case, the ``user:``/``user_`` prefix dropped, punctuation _."""
    lowered = key.strip().lower()
    for prefix in ("user:", "user_"):
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :]
            break
    return re.sub(r"[^a-z0-9]", "_", lowered)


def _normalized_tags(tags: pl.Expr) -> pl.Expr:
    key = pl.element().struct.field("key").str.to_lowercase().str.replace(r"^user[:_]", "")
    return tags.list.eval(
        pl.struct(
            key.str.replace_all(r"[^a-z0-9]", "_").alias("key"),
            pl.element().struct.field("value").alias("value"),
        )
    ).list.eval(pl.element().filter(pl.element().struct.field("key").is_first_distinct()))


def conform(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Select the cost_lines columns in order with their declared types (absent ones as null)."""
    present = set(frame.collect_schema().names())
    if "tags" in present:
        frame = frame.with_columns(
            _normalized_tags(pl.col("tags").cast(pl.List(TAG_ENTRY))).alias("x_tags_normalized")
        )
        present.add("x_tags_normalized")
    return frame.select(
        [
            (pl.col(name) if name in present else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype, _ in COST_LINES
        ]
    )
