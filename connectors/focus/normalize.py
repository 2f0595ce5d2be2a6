"""FOCUS rows held in a frame -> cost lines (tests, diagnosis), the checks that name bad
values, and the tag decoding other connectors share.

The normalization itself is SQL (connectors/focus/sql.py), run here on an in-memory DuckDB so
that a frame and a streamed file give the same rows.
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from connectors.aws.lookups import lookups
from connectors.cost_model import TAG_ENTRY, conform
from connectors.errors import InputProblem
from connectors.focus.sql import normalize_sql
from connectors.sql_columns import column_types

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


def focus_problems(raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
    """Values in ``raw`` that gave no value in ``lines`` (its normalized rows, in any order),
    by file, row and column. Parsing happens once, in normalize_focus; this only compares."""
    problems: list[InputProblem] = []
    # SQL keeps no row order: each raw row meets its own line by file and row number.
    aligned = raw.select("_file", "_row").join(
        lines.select(
            [pl.col("x_source_file").alias("_file"), pl.col("x_source_row").alias("_row")]
        ).with_columns([lines.get_column(parsed).alias(parsed) for parsed, _ in _PARSED.values()]),
        on=["_file", "_row"],
        how="left",
        maintain_order="left",
    )
    for column, (parsed, what) in _PARSED.items():
        if column not in raw.columns or (column == "Tags" and raw.schema[column] != pl.Utf8):
            continue
        text = raw.get_column(column).cast(pl.Utf8).str.strip_chars()
        bad = text.is_not_null() & (text != "") & aligned.get_column(parsed).is_null()
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
    """Map raw FOCUS rows of one billing period onto the cost_lines columns and types: the
    loader's SQL, not strict (a value that is not what its column holds becomes null, and
    focus_problems names it)."""
    frame = raw.collect()
    con = duckdb.connect()
    try:
        with lookups(con):
            con.register("focus_raw_frame", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
            types = column_types(con, "focus_raw_frame")
            select = normalize_sql(types, "focus_raw_frame", strict=False)
            result = con.sql(select, params={"source": source, "period": period}).to_arrow_table()
    finally:
        con.close()
    lines = pl.from_arrow(result)
    assert isinstance(lines, pl.DataFrame)
    return conform(lines.lazy())


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
