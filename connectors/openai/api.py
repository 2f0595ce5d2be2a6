"""OpenAI's organization Costs API (``/v1/organization/costs``) and Usage API
(``/v1/organization/usage/{completions,embeddings,images,audio_speeches,audio_transcriptions,
moderations}``) pages, as the API reference documents them.

Buckets give ``start_time``/``end_time`` in unix seconds (UTC). A costs result carries
``amount: {value: <number, in the currency's unit>, currency: "usd"}`` and, with ``group_by``,
``line_item`` ("<model>, <direction>", e.g. ``gpt-4o-2024-08-06, input``) and ``project_id``.
Usage results carry counts: completions' ``input_tokens`` include ``input_cached_tokens``, so
uncached input is their difference and the token types add up to what was used.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.model_api.pages import Api, FieldError, Row, count, obj, text

_PREFIX = "organization."
#: usage endpoint -> (field, unit, token type) of each count it reports
_USAGE: dict[str, tuple[tuple[str, str, str], ...]] = {
    "usage.completions": (
        ("input_tokens", "tokens", "input"),
        ("input_cached_tokens", "tokens", "cache_read"),
        ("output_tokens", "tokens", "output"),
        ("input_audio_tokens", "tokens", "input_audio"),
        ("output_audio_tokens", "tokens", "output_audio"),
    ),
    "usage.embeddings": (("input_tokens", "tokens", "input"),),
    "usage.moderations": (("input_tokens", "tokens", "input"),),
    "usage.images": (("images", "images", "images"),),
    "usage.audio_speeches": (("characters", "characters", "characters"),),
    "usage.audio_transcriptions": (("seconds", "seconds", "seconds"),),
}
_TAGS = ("project_id", "api_key_id", "user_id")
#: "gpt-4o-2024-08-06, cached input" -> model and direction
_LINE_ITEM = re.compile(r"^(?P<model>[^,]+),\s*(?P<direction>.+)$")
_DIRECTIONS = {
    "input": "input",
    "output": "output",
    "cached input": "cache_read",
    "input cached": "cache_read",
    "audio input": "input_audio",
    "input audio": "input_audio",
    "audio output": "output_audio",
    "output audio": "output_audio",
}


def _unix(bucket: dict[str, Any], name: str) -> datetime:
    value = bucket.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(name, f"{name!r} must be unix seconds (an integer), found {value!r}")
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def bucket_times(bucket: dict[str, Any]) -> tuple[datetime, datetime]:
    return _unix(bucket, "start_time"), _unix(bucket, "end_time")


def endpoint_of(result: dict[str, Any]) -> str:
    kind = result.get("object")
    if not isinstance(kind, str) or not kind.startswith(_PREFIX) or not kind.endswith(".result"):
        raise FieldError("object", f"'object' names no OpenAI costs or usage result: {kind!r}")
    endpoint = kind[len(_PREFIX) : -len(".result")]
    if endpoint != "costs" and endpoint not in _USAGE:
        raise FieldError("object", f"'object' {kind!r} is not a costs or usage result read here")
    return endpoint


def line_item_parts(line_item: str | None) -> tuple[str | None, str | None]:
    """The model and token type a costs line item names, where it names them."""
    match = _LINE_ITEM.match(line_item or "")
    if match is None:
        return None, None
    direction = match["direction"].strip().lower()
    return match["model"].strip(), _DIRECTIONS.get(direction, direction.replace(" ", "_"))


def explode(result: dict[str, Any], endpoint: str, start: datetime, end: datetime) -> list[Row]:
    tags = {name: text(result, name) for name in _TAGS}
    project = tags["project_id"]
    clean = {k: v for k, v in tags.items() if v is not None}
    if endpoint == "costs":
        amount = obj(result, "amount")
        value = amount.get("value")
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise FieldError("amount.value", f"'amount.value' must be a number, found {value!r}")
        currency = text(amount, "currency")
        line_item = text(result, "line_item")
        model, token_type = line_item_parts(line_item)
        return [
            Row(
                endpoint,
                start,
                end,
                amount=format(Decimal(value), "f"),
                currency=currency,
                model=model,
                token_type=token_type,
                line_item=line_item,
                project=project,
                tags=clean,
            )
        ]
    model = text(result, "model")
    batch = result.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise FieldError("batch", f"'batch' must be true, false or null, found {batch!r}")
    count(result, "num_model_requests", required=True)
    for name in ("source", "size", "service_tier"):
        if (value := text(result, name)) is not None:
            clean[name] = value
    if batch is not None:
        clean["batch"] = str(batch).lower()
    counts = {name: count(result, name) for name, _, _ in _USAGE[endpoint]}
    if endpoint == "usage.completions":
        for required in ("input_tokens", "output_tokens"):
            count(result, required, required=True)
        cached = counts["input_cached_tokens"] or 0
        if cached > (counts["input_tokens"] or 0):
            raise FieldError(
                "input_cached_tokens", "'input_cached_tokens' is more than 'input_tokens'"
            )
        counts["input_tokens"] = (counts["input_tokens"] or 0) - cached
    return [
        Row(
            endpoint,
            start,
            end,
            quantity=counts[name],
            unit=unit,
            model=model,
            token_type=token_type,
            project=project,
            tags=clean,
        )
        for name, unit, token_type in _USAGE[endpoint]
        if counts[name] is not None
    ]


API = Api(
    "OpenAI",
    bucket_times,
    endpoint_of,
    ("project_id", "line_item", "model", "api_key_id", "user_id", "batch", "source", "size"),
    explode,
)
