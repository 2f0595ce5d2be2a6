"""Anthropic's Admin API pages: the cost report (``/v1/organizations/cost_report``) and the
messages usage report (``/v1/organizations/usage_report/messages``), as documented.

Buckets give ``starting_at``/``ending_at`` as RFC 3339 timestamps. A cost result's ``amount``
is a decimal string in the currency's lowest unit (cents for USD: ``"123.45"`` is $1.2345), so
it is divided by 100 exactly once, in normalize; grouped by ``description`` it names
``cost_type`` (tokens, web_search, code_execution), ``model``, ``token_type``,
``service_tier`` and ``context_window``. A usage result counts ``uncached_input_tokens``,
``cache_read_input_tokens``, ``cache_creation.ephemeral_5m_input_tokens`` and
``ephemeral_1h_input_tokens``, ``output_tokens`` and ``server_tool_use.web_search_requests``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from connectors.model_api.pages import Api, FieldError, Row, count, obj, text

#: Lowest currency units per unit: the cost report writes cents.
CENTS = 100
#: The cost report's token_type -> the token types every source shares
TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "cache_read_input_tokens": "cache_read",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write_5m",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
    "output_tokens": "output",
}
_GROUPS = ("workspace_id", "api_key_id", "model", "service_tier", "context_window")
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _timestamp(bucket: dict[str, Any], name: str) -> datetime:
    value = bucket.get(name)
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise FieldError(name, f"{name!r} must be an RFC 3339 timestamp, found {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None)


def bucket_times(bucket: dict[str, Any]) -> tuple[datetime, datetime]:
    return _timestamp(bucket, "starting_at"), _timestamp(bucket, "ending_at")


def endpoint_of(result: dict[str, Any]) -> str:
    """The report a result is from: cost results carry an amount, usage results counts."""
    if "amount" in result:
        return "cost_report"
    if "uncached_input_tokens" in result or "output_tokens" in result:
        return "usage_report.messages"
    raise FieldError("amount", "neither a cost result ('amount') nor a usage result (token counts)")


def explode(result: dict[str, Any], endpoint: str, start: datetime, end: datetime) -> list[Row]:
    groups = {name: text(result, name) for name in _GROUPS}
    tags = {k: v for k, v in groups.items() if v is not None and k != "model"}
    model, project = groups["model"], groups["workspace_id"]
    if endpoint == "cost_report":
        amount = result.get("amount")
        if not isinstance(amount, str) or not _AMOUNT.match(amount.strip()):
            raise FieldError(
                "amount",
                f"'amount' must be a decimal string (lowest currency unit), found {amount!r}",
            )
        token_type = text(result, "token_type")
        cost_type = text(result, "cost_type")
        if cost_type is not None:
            tags["cost_type"] = cost_type
        description = text(result, "description")
        return [
            Row(
                endpoint,
                start,
                end,
                amount=amount.strip(),
                divisor=CENTS,
                currency=text(result, "currency"),
                model=model,
                token_type=TOKEN_TYPES.get(token_type or "", token_type),
                description=description,
                project=project,
                tags=tags,
            )
        ]
    creation = obj(result, "cache_creation")
    tools = obj(result, "server_tool_use")
    counts = [
        (count(result, "uncached_input_tokens", required=True), "tokens", "input"),
        (count(result, "cache_read_input_tokens"), "tokens", "cache_read"),
        (count(creation, "ephemeral_5m_input_tokens"), "tokens", "cache_write_5m"),
        (count(creation, "ephemeral_1h_input_tokens"), "tokens", "cache_write_1h"),
        (count(result, "output_tokens", required=True), "tokens", "output"),
        (count(tools, "web_search_requests"), "requests", "web_search"),
    ]
    return [
        Row(
            endpoint,
            start,
            end,
            quantity=n,
            unit=unit,
            model=model,
            token_type=token_type,
            project=project,
            tags=tags,
        )
        for n, unit, token_type in counts
        if n is not None
    ]


API = Api(
    "Anthropic",
    bucket_times,
    endpoint_of,
    (*_GROUPS, "description", "cost_type", "token_type", "inference_geo"),
    explode,
)
