"""CUR rows -> marts.cost_lines in DuckDB SQL, amortized as AWS's Cloud Intelligence Dashboards
compute it.

A month of CUR is tens of millions of lines; normalized in SQL straight from the parquet files it
loads at the speed of DuckDB's own ``CREATE TABLE AS`` (bench/cur.py), where a Python-side frame
costs four times as long. This is ingest, so it is DuckDB's dialect; the models in ``sql/`` stay
portable.

Billed cost is the unblended cost. Effective cost spreads commitments: covered usage carries its
share of the Savings Plan or reservation, negations and upfront fees carry nothing (they are
already spread), and the recurring fee rows carry only the unused part of the commitment.

Values are cast strictly: a cost that is not a number makes the statement fail, and the loader
then finds the file, row and column with ``problems_sql`` (nothing is spent on that when the
input is good).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.aws.columns import MONEY, CurColumns, literal, quote
from connectors.aws.lookups import ACCELERATORS, SERVICE_CATEGORIES, accelerator_key
from connectors.cost_model import COLUMN_NAMES
from connectors.sql_columns import case_map, in_list, select_list

CHARGE_CATEGORY = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "SavingsPlanNegation": "Usage",
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
    "Tax": "Tax",
    "Credit": "Credit",
    "Refund": "Credit",
    "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit",
    "BundledDiscount": "Credit",
    "Discount": "Credit",
    "DistributorDiscount": "Credit",
}
FREQUENCY = {
    "RIFee": "Recurring",
    "SavingsPlanRecurringFee": "Recurring",
    "Fee": "One-Time",
    "SavingsPlanUpfrontFee": "One-Time",
}
_COMMITTED = (
    "SavingsPlanCoveredUsage",
    "DiscountedUsage",
    "SavingsPlanRecurringFee",
    "RIFee",
    "SavingsPlanNegation",
)
_GPU_HOUR_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
INSTANCE_IN_USAGE_TYPE = (
    r":((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|metal[a-z0-9-]*|medium|small|micro|nano))$"
)
#: Usage types that count instance-hours (BoxUsage, SpotUsage, DedicatedUsage, HostUsage).
INSTANCE_HOUR_USAGE = r"(^|[-:])(Box|Spot|Dedicated|Host|HostBox)Usage:"
#: Raw column -> what it must hold; checked on every row, whether or not the row uses it.
MONEY_INPUTS = (
    "line_item_unblended_cost",
    "line_item_usage_amount",
    "pricing_public_on_demand_cost",
    "line_item_net_unblended_cost",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
)
TIME_INPUTS = ("line_item_usage_start_date", "line_item_usage_end_date")


def normalize_sql(
    types: Mapping[str, str], relation: str, tag_keys: Mapping[str, str]
) -> tuple[str, dict[str, Any]]:
    """The SELECT of cost_lines columns from ``relation``; parameters ``$source`` and
    ``$period`` (YYYY-MM) are the caller's to bind, with the returned ones. ``tag_keys`` maps
    every tag key the rows carry to its matching form (cost_model.normalize_tag_key): a lookup
    instead of two regular expressions per tag per row."""
    c = CurColumns(types)
    line_type = "line_type"
    usage_type = c.text("line_item_usage_type")
    # Spot is told by the usage type (USE1-SpotUsage:p4d.24xlarge), the legacy pricing term or
    # the purchase option, whichever the export fills: spot lines carry no price-list columns.
    spot = (
        f"(coalesce(contains({usage_type}, 'SpotUsage'), false) "
        f"OR coalesce({c.text('pricing_term')} = 'Spot', false) "
        f"OR coalesce({c.text('pricing_purchase_option')} = 'Spot', false))"
    )
    # The pattern needs a ':' and a '.'; checking for them first spares the regular expression
    # on most lines that name no instance (storage, requests, data transfer).
    from_usage_type = (
        f"CASE WHEN contains({usage_type}, ':') AND contains({usage_type}, '.') "
        f"AND NOT contains({usage_type}, 'SoftwareUsage') "
        f"THEN nullif(regexp_extract({usage_type}, "
        f"{literal(INSTANCE_IN_USAGE_TYPE)}, 1), '') END"
    )
    instance = (
        f"coalesce({c.text('product_instance_type')}, "
        f"{c.map_value('product', 'instance_type')}, {from_usage_type})"
    )
    # Instance-hours: the price list's unit, or, where a line has no price-list unit (spot lines
    # often have none), a usage type that counts instance-hours.
    hourly = (
        f"(lower({c.text('pricing_unit')}) IN ('hrs', 'hours', 'hour') "
        f"OR ({c.text('pricing_unit')} IS NULL AND coalesce(regexp_matches({usage_type}, "
        f"{literal(INSTANCE_HOUR_USAGE)}), false)))"
    )
    net = quote(
        "_m_line_item_net_unblended_cost"
        if c.has("line_item_net_unblended_cost")
        else "_m_line_item_unblended_cost"
    )
    parsed = ",\n        ".join(
        [f"{c.money(name)} AS {quote('_m_' + name)}" for name in MONEY_INPUTS]
        + [f"{c.timestamp(name)} AS {quote('_t_' + name)}" for name in TIME_INPUTS]
    )

    def m(name: str) -> str:
        return quote("_m_" + name)

    effective = f"""CASE
            WHEN {line_type} = 'SavingsPlanCoveredUsage'
                THEN {m("savings_plan_savings_plan_effective_cost")}
            WHEN {line_type} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
            WHEN {line_type} = 'SavingsPlanRecurringFee'
                THEN {m("savings_plan_total_commitment_to_date")}
                    - {m("savings_plan_used_commitment")}
            WHEN {line_type} = 'DiscountedUsage' THEN {m("reservation_effective_cost")}
            WHEN {line_type} = 'RIFee'
                THEN coalesce({m("reservation_unused_amortized_upfront_fee_for_billing_period")},
                              0) + coalesce({m("reservation_unused_recurring_fee")}, 0)
            WHEN {line_type} = 'Fee' AND {c.text("reservation_reservation_a_r_n")} IS NOT NULL
                THEN 0
            ELSE {m("line_item_unblended_cost")}
        END"""
    tags = c.tag_entries()
    c.params["raw_tag_keys"] = list(tag_keys)
    c.params["tag_keys"] = list(tag_keys.values())
    normalized = "_ntags"
    if len(set(tag_keys.values())) < len(tag_keys):  # two spellings of one key: keep the first
        normalized = (
            "list_filter(_ntags, lambda e, i: "
            "list_position(list_transform(_ntags, lambda x: x.key), e.key) = i)"
        )
    gpus = "acc.gpus"
    select = {
        "provider": "'AWS'",
        "billing_account_id": c.text("bill_payer_account_id"),
        "sub_account_id": c.text("line_item_usage_account_id"),
        "billing_period_start": "CAST($period || '-01' AS DATE)",
        "charge_period_start": quote("_t_line_item_usage_start_date"),
        "charge_period_end": quote("_t_line_item_usage_end_date"),
        "charge_category": case_map(line_type, CHARGE_CATEGORY, "'Adjustment'"),
        "pricing_category": f"""CASE WHEN {line_type} = 'Tax' THEN NULL
            WHEN {spot} THEN 'Dynamic'
            WHEN {line_type} IN {in_list(_COMMITTED)} THEN 'Committed' ELSE 'Standard' END""",
        "service_name": (
            f"coalesce({c.text('product_product_name')}, "
            f"{c.map_value('product', 'product_name')}, "
            f"{c.text('line_item_product_code')})"
        ),
        "service_category": "cat.category",
        "sku_id": f"coalesce({c.text('product_sku')}, {c.map_value('product', 'sku')})",
        "resource_id": c.text("line_item_resource_id"),
        "region": (
            f"coalesce({c.text('product_region_code')}, "
            f"{c.map_value('product', 'region_code')}, {c.text('product_region')}, "
            f"{c.map_value('product', 'region')})"
        ),
        "usage_quantity": m("line_item_usage_amount"),
        "usage_unit": c.text("pricing_unit"),
        "list_cost": m("pricing_public_on_demand_cost"),
        # Reserved usage bills 0 and CUR carries no negotiated rate for it, so its contracted
        # cost is the on-demand cost; otherwise the net of negotiated discounts (EDP, PPA).
        "contracted_cost": (
            f"CASE WHEN {line_type} = 'DiscountedUsage' "
            f"THEN coalesce({m('pricing_public_on_demand_cost')}, "
            f"{m('line_item_unblended_cost')}) ELSE {net} END"
        ),
        "billed_cost": m("line_item_unblended_cost"),
        "effective_cost": f"CAST({effective} AS {MONEY})",
        "billing_currency": f"upper({c.text('line_item_currency_code')})",
        "charge_frequency": case_map(line_type, FREQUENCY, "'Usage-Based'"),
        "commitment_discount_id": f"""CASE
            WHEN starts_with({line_type}, 'SavingsPlan')
                THEN {c.text("savings_plan_savings_plan_a_r_n")}
            WHEN {line_type} IN ('DiscountedUsage', 'RIFee', 'Fee')
                THEN {c.text("reservation_reservation_a_r_n")} END""",
        "commitment_discount_status": f"""CASE
            WHEN {line_type} IN ('SavingsPlanCoveredUsage', 'DiscountedUsage') THEN 'Used'
            WHEN {line_type} IN ('SavingsPlanRecurringFee', 'RIFee') THEN 'Unused' END""",
        "tags": c.tags(),
        "x_tags_normalized": (
            f"CASE WHEN len(_tags) = 0 THEN MAP {{}} ELSE map_from_entries({normalized}) END"
        ),
        "x_billing_period": "$period",
        "x_line_item_type": line_type,
        "x_instance_type": "_instance_type",
        "x_gpu_count": f"CAST({gpus} AS {MONEY})",
        "x_gpu_hours": (
            f"CASE WHEN {line_type} IN {in_list(_GPU_HOUR_TYPES)} AND {hourly} "
            f"AND {gpus} IS NOT NULL "
            f"THEN CAST({m('line_item_usage_amount')} * CAST({gpus} AS {MONEY}) "
            f"AS {MONEY}) END"
        ),
        "x_gpu_model": "acc.gpu_model",
        "x_accelerator_count": f"CAST(acc.accelerators AS {MONEY})",
        "x_accelerator_type": "acc.accelerator_type",
        "x_charge_description": c.text("line_item_line_item_description"),
        "x_usage_type": usage_type,
        "x_source": "$source",
        "x_source_file": "_file",
        "x_source_row": "CAST(_row AS BIGINT)",
    }
    columns = select_list(select, COLUMN_NAMES)
    sql = f"""
WITH parsed AS (
    SELECT
        *,
        {c.text("line_item_line_item_type")} AS line_type,
        {instance} AS _instance_type,
        {tags} AS _tags,
        {parsed}
    FROM {relation}
),
keyed AS (
    SELECT
        *,
        {accelerator_key("_instance_type")} AS _instance_key,
        list_transform(_tags, lambda e: {{'key': map($raw_tag_keys, $tag_keys)[e.key],
                                          'value': e.value}}) AS _ntags
    FROM parsed
)
SELECT
    {columns}
FROM keyed
LEFT JOIN {ACCELERATORS} AS acc ON acc.key = keyed._instance_key
LEFT JOIN {SERVICE_CATEGORIES} AS cat ON cat.product_code = {c.text("line_item_product_code")}
"""
    return sql, c.params


def problems_sql(types: Mapping[str, str], relation: str, limit: int = 20) -> str:
    """Rows of ``relation`` whose cost, quantity or timestamp is given but is not one, as
    (_file, _row, column, value, what), at most ``limit`` per column."""
    c = CurColumns(types)
    parts = []
    for name in MONEY_INPUTS + TIME_INPUTS:
        if name not in types:
            continue
        money = name in MONEY_INPUTS
        parsed = c.money(name, strict=False) if money else c.timestamp(name, strict=False)
        what = "a number" if money else "a timestamp"
        given = f"CAST({quote(name)} AS VARCHAR)"
        parts.append(
            f"(SELECT _file, _row, {literal(name)} AS column_name, {given} AS value, "
            f"{literal(what)} AS what FROM {relation} "
            f"WHERE nullif(trim({given}), '') IS NOT NULL AND {parsed} IS NULL "
            f"ORDER BY _file, _row LIMIT {int(limit)})"
        )
    if not parts:
        return (
            "SELECT NULL AS _file, NULL AS _row, NULL AS column_name, NULL AS value, "
            "NULL AS what WHERE false"
        )
    return "\nUNION ALL\n".join(parts)


def totals_sql(types: Mapping[str, str], relation: str) -> str:
    """The export's own row count and billed total per currency, read straight from the raw
    column, apart from the normalization, so the reconcile check compares two computations."""
    c = CurColumns(types)
    currency = f"upper({c.text('line_item_currency_code')})"
    return (
        f"SELECT {currency} AS currency, count(*) AS n, "
        f"sum({c.money('line_item_unblended_cost')}) AS total "
        f"FROM {relation} GROUP BY ALL"
    )
