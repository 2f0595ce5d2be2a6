"""Typed parsing of raw export strings, with a report of every value that would not parse.

Exports arrive as text; a cost that fails to parse must stop its partition with the file, row and
column named rather than turn silently into a null. These expressions give null for what they
cannot parse, and each connector then lists the rows where a non-empty input gave a null.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from connectors.compressed import compression_of
from connectors.errors import InputProblem

MONEY = pl.Decimal(38, 10)

#: Literal strings that exports write for "no value".
NULL_STRINGS = ["NULL", "null", "None", "N/A", ""]

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def null_markers(frame: Frame, keep: Collection[str] = ()) -> Frame:
    """NULL_STRINGS -> null in every text column except ``keep``.

    CSVs are read without polars' ``null_values`` and the markers are applied here, so that a
    column whose value is summed into the bill (the billed cost) keeps a marker as the text it is:
    a cost written as ``N/A`` or ``None`` is then refused by file, row and column instead of
    becoming a null that every total silently skips. Empty fields are null everywhere.
    """
    schema = frame.collect_schema()
    return frame.with_columns(
        pl.when(pl.col(name).is_in(NULL_STRINGS)).then(None).otherwise(pl.col(name)).alias(name)
        for name, dtype in schema.items()
        if dtype == pl.Utf8 and name not in keep
    )


def to_decimal(column: str) -> pl.Expr:
    """Exact money or quantity from text (plain or scientific) or numbers -> Decimal(38,10)."""
    return pl.col(column).cast(pl.Utf8).str.strip_chars().cast(MONEY, strict=False)


def to_utc_naive(column: str) -> pl.Expr:
    """ISO-like timestamps with or without a zone (``Z``, ``+02:00``), or a date -> naive UTC."""
    text = (
        pl.col(column)
        .cast(pl.Utf8)
        .str.strip_chars()
        .str.replace(r"[Zz]$", "+00:00")
        .str.replace("T", " ", literal=True)
    )
    with_zone = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", strict=False, time_zone="UTC")
    naive = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
    date_only = text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    utc = with_zone.dt.replace_time_zone(None).dt.cast_time_unit("us")
    return pl.coalesce(utc, naive, date_only)


def timestamp_expr(column: str, dtype: pl.DataType) -> pl.Expr:
    """Like to_utc_naive, but keeps typed (parquet) timestamps instead of re-parsing text."""
    if isinstance(dtype, pl.Datetime):
        expr = pl.col(column)
        if dtype.time_zone is not None:
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return expr.dt.cast_time_unit("us")
    if isinstance(dtype, pl.Date):
        return pl.col(column).cast(pl.Datetime("us"))
    return to_utc_naive(column)


def cut_short(path: Path, uri: str) -> InputProblem | None:
    """A plain CSV with data rows that does not end with a newline was cut short (an interrupted
    copy or download): its last row may hold a truncated number, which would load as a wrong
    total. Every provider export ends its last row with a newline, so such a file is refused.
    Compressed files are covered by their own checksum, whatever their name says."""
    if not uri.lower().endswith(".csv") or compression_of(path) is not None:
        return None
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    if not tail or tail.endswith(b"\n") or b"\n" not in tail.rstrip(b"\r"):
        return None
    return InputProblem(
        file=uri,
        message=(
            "the file does not end with a newline, so its last row may be cut short: it looks "
            "truncated (provider exports always end with one); re-copy it"
        ),
    )


def control_totals(
    raw: pl.DataFrame, cost: str, currency: str
) -> list[tuple[str | None, int, Decimal]]:
    """An export's own total of ``cost`` per ``currency``, summed exactly from the text as
    written with Python's Decimal, independently of the polars normalization, so the reconcile
    check compares two separate computations."""
    totals: dict[str | None, list[Any]] = {}
    costs = raw.get_column(cost).cast(pl.Utf8).to_list()
    codes = (
        raw.get_column(currency).cast(pl.Utf8).to_list()
        if currency in raw.columns
        else [None] * len(costs)
    )
    for code, value in zip(codes, costs, strict=True):
        key = code.strip().upper() if code else None
        entry = totals.setdefault(key, [0, Decimal(0)])
        entry[0] += 1
        if value is not None and value.strip():
            entry[1] += Decimal(value.strip())
    return [(code, count, total) for code, (count, total) in totals.items()]


def require_columns(
    frame: pl.DataFrame, required: tuple[str, ...], uri: str, label: str
) -> InputProblem | None:
    """The first required column ``frame`` lacks, as a problem naming the file and column."""
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return None
    return InputProblem(
        file=uri, column=missing[0], message=f"required {label} column {missing[0]} is missing"
    )
