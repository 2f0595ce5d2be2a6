"""The fields of a chunk of ``--query-gpu`` lines: a fast path for clean chunks, and the line
by line path that says which lines it skips and why.

Nearly every chunk of a real log is clean: the right number of fields, numbers with their units
or a bracketed non-value, timestamps nvidia-smi wrote. Such a chunk is parsed in one lazy polars
query: the fields split once (``split_exact``), one anchored regex per number column (the test
and the value: a number followed by its unit is the number once the unit's letters are stripped),
no row filtered, no line looked at in Python. When a line fails any test the chunk is parsed
again by ``line_by_line``, which says which lines it skips and why: the fast path never
decides that a line is skipped, so it can only be faster, never read a line differently.
"""

from __future__ import annotations

import string
from pathlib import Path

import polars as pl

from connectors.text_lines import MAX_LINE_BYTES, LineTooLongError

#: A number with an optional unit (``35 %``, ``81559 MiB``, ``72.73 W``, ``35``).
NUMBER_WITH_UNIT = r"^-?\d+(?:\.\d+)?(?:\s*[A-Za-z%]+)?$"
_UNIT_CHARS = string.ascii_letters + "%"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S%.f"


def clean_fields(
    lines: pl.DataFrame, width: int, keep: list[tuple[int, str]], numeric: list[str]
) -> pl.DataFrame | None:
    """``lines`` (``_n``, ``line``) as ``_n``, the wanted fields by name (``keep``: field index,
    column name), numbers parsed, and ``_local`` (the timestamp, no zone); None when any line
    is not clean (a wrong number of fields, a value that is neither a number nor a bracketed
    non-value nor empty, a timestamp that does not read, a line over the length limit)."""
    if len({name for _, name in keep}) != len(keep) or "ts_local" not in dict(keep).values():
        return None  # a header naming a column twice: the line-by-line path says what fails
    split = pl.col("line").str.split_exact(",", width - 1)
    texts = [split.struct.field(f"field_{i}").str.strip_chars().alias(name) for i, name in keep]
    shape_ok = (pl.col("line").str.count_matches(",", literal=True) == width - 1) & (
        pl.col("line").str.len_bytes() <= MAX_LINE_BYTES
    )
    oks, numbers = [pl.col("_shape_ok")], []
    for name in (name for _, name in keep if name in numeric):
        value = pl.col(name)
        is_number = value.str.contains(NUMBER_WITH_UNIT)
        oks.append(is_number | value.is_null() | (value == "") | value.str.starts_with("["))
        number = value.str.strip_chars_end(_UNIT_CHARS).str.strip_chars_end()
        number = number.cast(pl.Float64, strict=False)
        numbers.append(pl.when(is_number).then(number).otherwise(None).alias(name))
    local = pl.col("ts_local").str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_unit="us")
    frame = (
        lines.lazy()
        .select("_n", shape_ok.alias("_shape_ok"), *texts)
        .with_columns(*numbers, local.alias("_local"), pl.all_horizontal(oks).alias("_ok"))
        .collect()
    )
    if frame.height and not (frame["_ok"].all() and frame["_local"].null_count() == 0):
        return None
    return frame.drop("_shape_ok", "_ok")


def line_by_line(
    lines: pl.DataFrame,
    width: int,
    keep: list[tuple[int, str]],
    numeric: list[str],
    source: Path,
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """A chunk with a line that is not clean: each test applied in turn, the lines that fail
    it skipped and counted with their reason (clean_fields reads the other chunks)."""
    too_long = lines.filter(pl.col("line").str.len_bytes() > MAX_LINE_BYTES)
    if too_long.height:
        raise LineTooLongError(source, int(too_long["_n"][0]))
    lines = lines.filter(pl.col("line").str.strip_chars() != "")
    fields = lines.with_columns(pl.col("line").str.split(",").alias("_f"))
    wrong = fields.filter(pl.col("_f").list.len() != width)
    skipped = [
        (int(n), f"{count} fields, expected {width}")
        for n, count in wrong.select("_n", pl.col("_f").list.len()).iter_rows()
    ]
    frame = fields.filter(pl.col("_f").list.len() == width).select(
        "_n", *[pl.col("_f").list.get(i).str.strip_chars().alias(name) for i, name in keep]
    )
    present = [c for c in numeric if c in frame.columns]
    for column in present:  # text where a number belongs refuses the line, counted once
        junk = _not_a_number(column)
        skipped += [
            (int(n), f"{column}: a number expected, found {v!r}")
            for n, v in frame.filter(junk).select("_n", column).iter_rows()
        ]
        frame = frame.filter(~junk)
    frame = frame.with_columns([_number(c) for c in present])
    local = pl.col("ts_local").str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_unit="us")
    frame = frame.with_columns(local.alias("_local"))
    bad = frame.filter(pl.col("_local").is_null())
    skipped += [
        (int(n), f"not an nvidia-smi timestamp: {v!r}")
        for n, v in bad.select("_n", "ts_local").iter_rows()
    ]
    frame = frame.filter(pl.col("_local").is_not_null())
    return frame, skipped


def _not_a_number(column: str) -> pl.Expr:
    """A value that is neither a number (with its unit) nor one of nvidia-smi's non-values
    (empty, ``[N/A]``, ``[Not Supported]``, a bare ``N/A``): e.g. ``abc %`` from a corrupt line,
    which would otherwise load as a silent null."""
    value = pl.col(column).str.strip_chars()
    return (
        value.is_not_null()
        & (value != "")
        & ~value.str.starts_with("[")
        & (value.str.to_uppercase() != "N/A")
        & ~value.str.contains(NUMBER_WITH_UNIT)
    )


def _number(column: str) -> pl.Expr:
    """``35 %``, ``81559 MiB``, ``72.73 W`` or ``35`` -> 35.0; bracketed non-values -> null."""
    return (
        pl.col(column)
        .str.strip_chars()
        .str.extract(r"^(-?\d+(?:\.\d+)?)", 1)
        .cast(pl.Float64, strict=False)
        .alias(column)
    )
