"""A FOCUS billing period into a DuckDB table, streamed: polars reads, DuckDB normalizes.

polars scans each file (CSV plain, gzip or zstd, or parquet) with its row numbers and hands
Arrow batches to one ``INSERT ... SELECT`` (connectors/focus/sql.py) as they are read, so a
month of tens of millions of rows never sits in memory, and no Python runs per row. The
export's own billed total is summed from the same batches, apart from the normalization, for
the reconcile check.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from connectors.aws.lookups import lookups, unregister
from connectors.cost_model import COLUMN_NAMES
from connectors.errors import InputError, InputProblem, InputProblemError
from connectors.files import FileRef
from connectors.focus.export import REQUIRED, FocusExport, period_expr, unreadable
from connectors.focus.normalize import focus_problems, normalize_focus
from connectors.focus.sql import normalize_sql
from connectors.parsing import require_columns
from connectors.sql_columns import quote

Totals = list[tuple[str | None, int, Decimal]]
#: Rows per Arrow batch: big enough that DuckDB's per-batch cost vanishes, small enough that
#: a few batches in flight stay far below a gigabyte.
BATCH_ROWS = 100_000
_STREAM = "focus_raw_stream"
#: Totals are summed at a finer scale than cost_lines keeps, so they are the text's own sum.
_TOTAL = pl.Decimal(38, 18)


class FocusLoader:
    """Inserts a period's FOCUS rows into ``marts.cost_lines`` (or another table of its shape)."""

    def __init__(self, export: FocusExport, table: str = "marts.cost_lines"):
        self.export = export
        self.table = table

    def insert(
        self, con: duckdb.DuckDBPyConnection, source: str, period: str, files: list[FileRef]
    ) -> tuple[int, Totals]:
        """Insert the period's rows; returns (rows, control totals per currency). Raises
        InputError naming file, row and column when a value is not what its column holds."""
        rows, totals = 0, _Totals()
        with lookups(con):
            for ref in files:
                rows += self._insert_file(con, ref, source, period, totals)
        return rows, totals.items()

    def _insert_file(
        self,
        con: duckdb.DuckDBPyConnection,
        ref: FileRef,
        source: str,
        period: str,
        totals: _Totals,
    ) -> int:
        try:
            frame = self.export.scan(ref)
            schema = frame.collect_schema()
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise unreadable(ref, exc) from exc
        problem = require_columns(pl.DataFrame(schema=schema), REQUIRED, ref.uri, "FOCUS")
        if problem is not None:
            raise InputProblemError(problem)
        in_period = frame.filter(period_expr(schema) == period)
        batches = _batches(in_period, ref, totals)
        first = next(batches, None)
        if first is None:
            return 0
        stream = pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))
        con.register(_STREAM, stream)
        try:
            types = dict(
                con.execute(
                    f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {_STREAM})"
                ).fetchall()
            )
            select = normalize_sql(types, _STREAM)
            columns = ", ".join(quote(name) for name in COLUMN_NAMES)
            inserted = con.execute(
                f"INSERT INTO {self.table} ({columns}) {select}",
                {"source": source, "period": period},
            ).fetchall()
        except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
            raise InputError(self._diagnose(ref, period, exc)) from exc
        finally:
            unregister(con, _STREAM)
        return int(inserted[0][0]) if inserted else 0

    def _diagnose(self, ref: FileRef, period: str, error: duckdb.Error) -> list[InputProblem]:
        """File, row and column of the values that stopped the insert: the file read again
        whole (this runs only when the input is bad) and normalized leniently."""
        raw = self.export.read(period, [ref]).collect()
        lines = normalize_focus(raw.lazy(), source="", period=period).collect()
        problems = focus_problems(raw, lines)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return problems or [InputProblem(file=ref.uri, message=f"cannot be normalized: {first}")]


def _batches(frame: pl.LazyFrame, ref: FileRef, totals: _Totals) -> Iterator[pa.RecordBatch]:
    """The frame as Arrow batches, each added to the export's own totals on the way."""
    try:
        for batch in frame.collect_batches(chunk_size=BATCH_ROWS):
            totals.add_batch(batch)
            yield from batch.to_arrow(compat_level=pl.CompatLevel.newest()).to_batches()
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise unreadable(ref, exc) from exc


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


class _Totals:
    """Row count and BilledCost per BillingCurrency, summed from the raw values as written."""

    def __init__(self) -> None:
        self.by_code: dict[str | None, list[Any]] = {}

    def add_batch(self, batch: pl.DataFrame) -> None:
        currency = (
            pl.col("BillingCurrency").cast(pl.Utf8).str.strip_chars().str.to_uppercase()
            if "BillingCurrency" in batch.columns
            else pl.lit(None, dtype=pl.Utf8)
        )
        cost = pl.col("BilledCost").cast(pl.Utf8).str.strip_chars().cast(_TOTAL, strict=False)
        sums = batch.group_by(currency.replace("", None).alias("code")).agg(
            pl.len().alias("n"), cost.sum().alias("total")
        )
        for code, count, total in sums.iter_rows():
            entry = self.by_code.setdefault(code, [0, Decimal(0)])
            entry[0] += count
            entry[1] += total or Decimal(0)

    def items(self) -> Totals:
        return [(code, count, total) for code, (count, total) in self.by_code.items()]
