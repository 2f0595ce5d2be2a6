"""FOCUS rows -> marts.cost_lines in DuckDB SQL: the one normalization of FOCUS data.

Providers' FOCUS exports agree on names but not on the spelling of values ("Usage-based" vs
"Usage-Based"), on nulls, zones or tag encoding; this is where those differences end. It runs in
DuckDB, streaming, because a month of FOCUS is millions of rows: a Python-side frame held the
whole period in memory and cost five times DuckDB's own CSV load (bench/focus.py). This is
ingest, so it is DuckDB's dialect; the models in ``sql/`` stay portable.

Strict (the loader): a cost, quantity, timestamp or tag text that is not one fails the
statement, and the loader then names the file, row and column. Not strict (tests, diagnosis):
such a value becomes null, and ``focus_problems`` lists it.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.aws.lookups import ACCELERATORS, accelerator_key
from connectors.cost_model import COLUMN_NAMES
from connectors.sql_columns import (
    MONEY,
    SqlColumns,
    case_map,
    in_list,
    literal,
    quote,
    select_list,
)

#: Literal strings that exports write for "no value" (connectors.parsing.NULL_STRINGS).
NULL_TEXT = ("NULL", "null", "None", "N/A")
#: The costs that make the bill: a null marker (``N/A``, ``NULL``) there is refused, not nulled.
BILL_COLUMNS = frozenset({"BilledCost", "EffectiveCost"})

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
_HOUR_UNITS = ("hour", "hours", "hrs", "hr", "1 hour", "instance-hours")
INSTANCE_AFTER_COLON = (
    r":((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|metal[a-z0-9-]*|medium|small|micro|nano))$"
)
INSTANCE_IN_DESCRIPTION = (
    r"(?:^|[\s,(])((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|metal[a-z0-9-]*|medium|small|"
    r"micro|nano))(?:[\s,)]|$)"
)
_TAG_MAP = "MAP(VARCHAR, VARCHAR)"
#: A tag key that normalize_tag_key leaves as it is.
_PLAIN_KEY = "regexp_full_match(k, '[a-z0-9_]*') AND NOT starts_with(k, 'user')"
#: Text columns copied as they are (trimmed, null markers nulled).
_TEXT = {
    "billing_account_id": "BillingAccountId",
    "sub_account_id": "SubAccountId",
    "service_name": "ServiceName",
    "service_category": "ServiceCategory",
    "sku_id": "SkuId",
    "resource_id": "ResourceId",
    "resource_name": "ResourceName",
    "usage_unit": "ConsumedUnit",
    "commitment_discount_id": "CommitmentDiscountId",
    "x_charge_description": "ChargeDescription",
    "x_host_provider": "HostProviderName",
    "x_invoice_issuer": "InvoiceIssuerName",
    "x_contract_applied": "ContractApplied",
    "x_allocated_method_id": "AllocatedMethodId",
    "x_allocated_resource_id": "AllocatedResourceId",
    "x_allocated_resource_name": "AllocatedResourceName",
}


def focus_columns(types: Mapping[str, str]) -> SqlColumns:
    return SqlColumns(types, null_text=NULL_TEXT, keep_text=BILL_COLUMNS)


def _cleaned(types: Mapping[str, str]) -> tuple[str, SqlColumns]:
    """The SELECT list that cleans each raw column the normalization reads, once (trimmed, null
    markers nulled), and the columns over its result: an expression written once per use
    would run once per use."""
    raw = focus_columns(types)
    used = [name for name in types if name in _USED or name.lower() in _USED_ANY_CASE]
    items = ["_file", "_row"] + [
        f"{raw.text(n)} AS {quote(n)}" if types[n] == "VARCHAR" else quote(n) for n in used
    ]
    cleaned = {n: types[n] for n in used}
    return ",\n        ".join(items), SqlColumns(cleaned, cleaned=True)


def normalize_sql(types: Mapping[str, str], relation: str, *, strict: bool = True) -> str:
    """The SELECT of cost_lines columns from ``relation`` (raw FOCUS columns in FOCUS's own
    spelling, with ``_file`` and ``_row``); ``$source`` and ``$period`` are the caller's."""
    cleaned, c = _cleaned(types)

    def canonical(name: str) -> str:
        return case_map(f"lower({c.text(name)})", _CANONICAL_VALUES[name], c.text(name))

    provider = f"coalesce({c.text('ServiceProviderName')}, {c.text('ProviderName')})"
    effective = "EffectiveCost" if c.has("EffectiveCost") else "BilledCost"
    hourly = (
        f"({canonical('ChargeCategory')} = 'Usage' "
        f"AND lower({c.text('ConsumedUnit')}) IN {in_list(_HOUR_UNITS)})"
    )
    select = {
        "provider": case_map(f"lower({provider})", _PROVIDERS, provider),
        **{name: c.text(raw) for name, raw in _TEXT.items()},
        "billing_period_start": "CAST($period || '-01' AS DATE)",
        "charge_period_start": c.timestamp("ChargePeriodStart", strict),
        "charge_period_end": c.timestamp("ChargePeriodEnd", strict),
        "charge_category": canonical("ChargeCategory"),
        "pricing_category": canonical("PricingCategory"),
        "region": f"coalesce({c.text('RegionId')}, {c.text('RegionName')})",
        "usage_quantity": "_quantity",
        "list_cost": c.money("ListCost", strict),
        "contracted_cost": c.money("ContractedCost", strict),
        "billed_cost": c.money("BilledCost", strict),
        "effective_cost": c.money(effective, strict),
        "billing_currency": f"upper({c.text('BillingCurrency')})",
        "charge_frequency": canonical("ChargeFrequency"),
        "commitment_discount_status": canonical("CommitmentDiscountStatus"),
        "tags": "_tags",
        "x_tags_normalized": _normalized_tags(),
        "x_billing_period": "$period",
        "x_instance_type": "_instance_type",
        "x_gpu_count": f"CAST(acc.gpus AS {MONEY})",
        "x_gpu_hours": (
            f"CASE WHEN {hourly} AND acc.gpus IS NOT NULL "
            f"THEN CAST(_quantity * CAST(acc.gpus AS {MONEY}) AS {MONEY}) END"
        ),
        "x_gpu_model": "acc.gpu_model",
        "x_accelerator_count": f"CAST(acc.accelerators AS {MONEY})",
        "x_accelerator_type": "acc.accelerator_type",
        "x_charge_class": canonical("ChargeClass"),
        "x_source": "$source",
        "x_source_file": "_file",
        "x_source_row": "CAST(_row AS BIGINT)",
    }
    columns = select_list(select, COLUMN_NAMES)
    key = "regexp_replace(regexp_replace(lower(trim(k)), '^user[:_]', ''), '[^a-z0-9]', '_', 'g')"
    return f"""
WITH cleaned AS (
    SELECT
        {cleaned}
    FROM {relation}
),
parsed AS (
    SELECT
        *,
        {_instance_type(c)} AS _instance_type,
        {tags_expr(c, typed=types.get("Tags"), strict=strict)} AS _tags,
        {c.money("ConsumedQuantity", strict)} AS _quantity
    FROM cleaned
),
flagged AS (
    SELECT
        *,
        coalesce(list_bool_and(list_transform(map_keys(_tags), lambda k: {_PLAIN_KEY})), true)
            AS _plain_keys
    FROM parsed
),
keyed AS (
    SELECT
        *,
        CASE WHEN NOT _plain_keys THEN list_transform(map_keys(_tags), lambda k: {key}) END
            AS _nkeys
    FROM flagged
)
SELECT
    {columns}
FROM keyed
LEFT JOIN {ACCELERATORS} AS acc
    ON acc.key = {accelerator_key("keyed._instance_type")}
"""


def tags_expr(c: SqlColumns, *, typed: str | None, strict: bool = True) -> str:
    """Tags as a map: JSON text (Azure writes it without its braces; non-string values keep
    their JSON text), or a parquet map or key/value list (``typed``) as it is."""
    if typed is None:
        return f"CAST(NULL AS {_TAG_MAP})"
    if typed.startswith("MAP"):
        return f"CAST(Tags AS {_TAG_MAP})"
    if typed.endswith("[]"):
        return f"CAST(map_from_entries(Tags) AS {_TAG_MAP})"
    body = c.text("Tags")
    braced = f"CASE WHEN starts_with({body}, '{{') THEN {body} ELSE '{{' || {body} || '}}' END"
    decoded = f"json_transform({braced}, '\"{_TAG_MAP}\"')"
    return decoded if strict else f"try({decoded})"


def _normalized_tags() -> str:
    """Keys in their matching form (connectors.cost_model.normalize_tag_key: lower case, no
    ``user:``/``user_`` prefix, punctuation as ``_``); of two spellings of one key, the first.
    Keys already in that form (``_plain_keys``) keep the map as it is: most rows, and one
    full-match test per key instead of two replacements and a new map."""
    unique = "list_filter(list_zip(_nkeys, map_values(_tags)), lambda e, i: " + (
        "list_position(_nkeys, e[1]) = i)"
    )
    return (
        "CASE WHEN _tags IS NULL THEN NULL WHEN _plain_keys THEN _tags "
        f"ELSE map_from_entries(list_transform({unique}, "
        "lambda e: {'key': e[1], 'value': e[2]})) END"
    )


def _instance_type(c: SqlColumns) -> str:
    """The instance type wherever the export keeps it: an x_InstanceType column, SkuPriceDetails
    JSON, AWS's CUR usage type (USE1-SpotUsage:p4d.24xlarge), or, for FOCUS 1.0 exports from
    AWS, the line's description ("$1.624 per On Demand Linux g5.4xlarge Instance Hour")."""
    candidates = [
        c.text(name) for name in c.types if name.lower() in {"x_instancetype", "x_instance_type"}
    ]
    if c.has("SkuPriceDetails"):
        details = c.text("SkuPriceDetails")
        candidates.append(
            f"CASE WHEN contains({details}, 'nstanceType') AND json_valid({details}) THEN "
            f"coalesce(json_extract_string({details}, '$.InstanceType'), "
            f"json_extract_string({details}, '$.instanceType')) END"
        )
    usage_types = [n for n in c.types if n.lower() in {"x_usagetype", "x_usage_type"}]
    if usage_types:
        usage = c.text(usage_types[0])
        candidates.append(
            f"CASE WHEN regexp_matches({usage}, '(Box|Spot|Dedicated|Host)Usage:') THEN "
            f"nullif(regexp_extract({usage}, {literal(INSTANCE_AFTER_COLON)}, 1), '') END"
        )
    if c.has("ChargeDescription"):
        text = c.text("ChargeDescription")
        candidates.append(
            f"CASE WHEN contains(lower({text}), 'instance') "
            f"AND regexp_matches({text}, '(?i)\\binstance\\b') THEN "
            f"nullif(regexp_extract({text}, {literal(INSTANCE_IN_DESCRIPTION)}, 1), '') END"
        )
    return f"coalesce({', '.join(candidates)})" if candidates else "CAST(NULL AS VARCHAR)"


#: Raw columns the normalization reads (any case: the x_ columns some exporters add).
_USED = frozenset(
    {
        *_TEXT.values(),
        *_CANONICAL_VALUES,
        "ServiceProviderName",
        "ProviderName",
        "RegionId",
        "RegionName",
        "BillingCurrency",
        "ListCost",
        "ContractedCost",
        "BilledCost",
        "EffectiveCost",
        "ConsumedQuantity",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "Tags",
        "SkuPriceDetails",
    }
)
_USED_ANY_CASE = frozenset({"x_instancetype", "x_instance_type", "x_usagetype", "x_usage_type"})


def read_columns(names: list[str]) -> set[str]:
    """Of a file's columns, those the normalization and the period test read."""
    wanted = {"_file", "_row", "BillingPeriodStart", "BillingPeriodEnd"}
    return {n for n in names if n in wanted or n in _USED or n.lower() in _USED_ANY_CASE}
