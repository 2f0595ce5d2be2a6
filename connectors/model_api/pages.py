"""Saved pages of a model provider's admin API (OpenAI's Costs and Usage APIs, Anthropic's cost
and usage reports), read into flat rows, one per billed amount or per token type.

Both providers answer with the same envelope: ``{"data": [bucket, ...], "has_more": bool,
"next_page": cursor}``, each bucket a time span with ``results``. A file holds one page as the
API returned it, or a JSON array of pages (a paged pull saved in one file). A later pull
fetches the last days again (the last one was partial): each bucket is taken whole from the file
delivered last (by modification time, then name) that holds it, so overlapping pulls count once,
and a day exported twice with different ``group_by``s is not counted twice either.

Files are bounded (``MAX_BYTES``; nesting is bounded by Python's parser, whose RecursionError is
reported) and every field is checked for the type the API documents: a wrong one names the file,
the result's position and the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zstandard import ZstdError

from connectors.compressed import open_binary
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef

#: Larger than any page the APIs return (at most 180 daily buckets, or 31 with groups).
MAX_BYTES = 64 * 1024 * 1024
SUFFIXES = (".json", ".json.gz", ".json.zst")


class FieldError(Exception):
    """One documented field missing or of the wrong type, in one result."""

    def __init__(self, field_name: str, message: str):
        self.field_name = field_name
        super().__init__(message)


@dataclass
class Row:
    """One amount (cost pages) or one token type's count (usage pages) of one result."""

    endpoint: str
    start: datetime
    end: datetime
    #: cost: the money as written (text) and what to divide it by to get the currency's unit
    amount: str | None = None
    divisor: int = 1
    currency: str | None = None
    quantity: int | None = None
    unit: str | None = None
    model: str | None = None
    token_type: str | None = None
    line_item: str | None = None
    description: str | None = None
    #: the OpenAI project or Anthropic workspace: the sub-account its spend is filed under
    project: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    file: str = ""
    item: int = 0


#: (result, endpoint, start, end) -> rows; raises FieldError.
Explode = Callable[[dict[str, Any], str, datetime, datetime], list[Row]]


@dataclass(frozen=True)
class Api:
    """What differs between the providers: how a bucket gives its times, how a result names
    its endpoint, which fields group it, and how it becomes rows."""

    label: str
    bucket_times: Callable[[dict[str, Any]], tuple[datetime, datetime]]
    endpoint_of: Callable[[dict[str, Any]], str]
    group_fields: tuple[str, ...]
    explode: Explode


def load_json(path: Path, uri: str) -> Any:
    """A file's JSON (plain, gzip or zstd; a byte-order mark dropped), bounded in size and
    nesting; numbers with a fraction kept exact as Decimal."""
    try:
        with open_binary(path) as handle:
            data = handle.read(MAX_BYTES + 1)
    except (EOFError, OSError, ZstdError) as exc:
        raise InputProblemError(
            InputProblem(uri, f"cannot be read: {exc} (a compressed copy cut short?)")
        ) from None
    if len(data) > MAX_BYTES:
        raise InputProblemError(
            InputProblem(uri, f"is over the {MAX_BYTES}-byte limit for one page file")
        )
    try:
        return json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except RecursionError:
        raise InputProblemError(
            InputProblem(uri, "JSON is nested too deeply to be a page")
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputProblemError(InputProblem(uri, f"is not JSON: {exc}")) from None


def pages_of(value: Any, uri: str) -> list[dict[str, Any]]:
    """The pages a file holds: one page object, or an array of them."""
    pages = value if isinstance(value, list) else [value]
    for index, page in enumerate(pages, 1):
        where = f"page {index}" if isinstance(value, list) else "the page"
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise InputProblemError(
                InputProblem(uri, f"{where} is not an API page (no 'data' array)", column="data")
            )
        if not isinstance(page.get("has_more"), bool):
            raise InputProblemError(
                InputProblem(uri, f"{where}: 'has_more' must be true or false", column="has_more")
            )
        if page.get("next_page") is not None and not isinstance(page["next_page"], str):
            raise InputProblemError(
                InputProblem(
                    uri, f"{where}: 'next_page' must be a string or null", column="next_page"
                )
            )
    return pages


def months(api: Api, ref: FileRef, path: Path) -> set[str]:
    """The UTC months (YYYY-MM) a file's buckets start in, reading only the bucket times."""
    found = set()
    for page in pages_of(load_json(path, ref.uri), ref.uri):
        for bucket_index, bucket in enumerate(page["data"], 1):
            start, _, _ = _bucket(api, bucket, ref.uri, bucket_index)
            found.add(f"{start:%Y-%m}")
    return found


def read_rows(
    api: Api, files: Iterable[tuple[FileRef, Path]], period: str | None = None
) -> list[Row]:
    """Every result of ``files`` as rows, each bucket counted once: a bucket (endpoint and time
    span) comes whole from the last file delivered that holds it, whatever that file's
    ``group_by``, and a result repeated within a file (overlapping pages) counts once. With
    ``period``, only buckets starting in that month are read, so a bad result fails its own
    month only. Raises InputProblemError naming the file, item and field of the first bad one."""
    buckets: dict[tuple[str, datetime, datetime], tuple[str, dict[tuple[Any, ...], list[Row]]]]
    buckets = {}
    for ref, path in sorted(files, key=lambda f: (f[0].modified, f[0].uri)):
        item = 0
        for page in pages_of(load_json(path, ref.uri), ref.uri):
            for bucket_index, bucket in enumerate(page["data"], 1):
                start, end, results = _bucket(api, bucket, ref.uri, bucket_index)
                if period is not None and f"{start:%Y-%m}" != period:
                    item += len(results)
                    continue
                for result in results:
                    item += 1
                    rows, endpoint = _result(api, result, ref.uri, item, start, end)
                    held = buckets.get((endpoint, start, end))
                    if held is None or held[0] != ref.uri:
                        held = buckets[(endpoint, start, end)] = (ref.uri, {})
                    held[1][tuple(result.get(g) for g in api.group_fields)] = rows
    return [row for _, results in buckets.values() for rows in results.values() for row in rows]


def _bucket(
    api: Api, bucket: Any, uri: str, index: int
) -> tuple[datetime, datetime, list[dict[str, Any]]]:
    if not isinstance(bucket, dict):
        raise InputProblemError(InputProblem(uri, f"bucket {index} is not an object"))
    try:
        start, end = api.bucket_times(bucket)
    except FieldError as exc:
        raise InputProblemError(
            InputProblem(uri, f"bucket {index}: {exc}", column=exc.field_name)
        ) from None
    results = bucket.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise InputProblemError(
            InputProblem(
                uri, f"bucket {index}: 'results' must be an array of objects", column="results"
            )
        )
    return start, end, results


def _result(
    api: Api, result: dict[str, Any], uri: str, item: int, start: datetime, end: datetime
) -> tuple[list[Row], str]:
    try:
        endpoint = api.endpoint_of(result)
        rows = api.explode(result, endpoint, start, end)
    except FieldError as exc:
        raise InputProblemError(
            InputProblem(uri, f"result {item}: {exc}", row=item, column=exc.field_name)
        ) from None
    for row in rows:
        row.file, row.item = uri, item
    return rows, endpoint


# --- typed field access: each names the field it refuses ----------------------------------


def text(result: dict[str, Any], name: str) -> str | None:
    value = result.get(name)
    if value is None or isinstance(value, str):
        return value
    raise FieldError(name, f"{name!r} must be a string or null, found {value!r}")


def count(result: dict[str, Any], name: str, required: bool = False) -> int | None:
    """A token or request count: a whole number, never negative."""
    value = result.get(name)
    if value is None:
        if required:
            raise FieldError(name, f"required count {name!r} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FieldError(name, f"{name!r} must be a whole number of at least 0, found {value!r}")
    return value


def obj(result: dict[str, Any], name: str) -> dict[str, Any]:
    value = result.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(name, f"{name!r} must be an object, found {value!r}")
    return value
