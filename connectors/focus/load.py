"""A FOCUS billing period into a DuckDB table, streamed: polars reads, DuckDB normalizes.

polars scans each file (CSV plain, gzip or zstd, or parquet) with its row numbers and hands
Arrow chunks to an ``INSERT ... SELECT`` (connectors/focus/sql.py) as they are read, so a month
of tens of millions of rows never sits in memory, and no Python runs per row. The
export's own billed total is summed from the same batches, apart from the normalization, for
the reconcile check.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from connectors.aws.lookups import lookups
from connectors.billing import CurrencyTotals, Totals
from connectors.cost_model import COLUMN_NAMES
from connectors.errors import InputError, InputProblem, InputProblemError
from connectors.files import FileRef
from connectors.focus.export import BILL_COLUMNS, REQUIRED, FocusExport, period_expr, unreadable
from connectors.focus.normalize import focus_problems, normalize_focus
from connectors.focus.sql import normalize_sql, read_columns
from connectors.parsing import null_markers, require_columns
from connectors.sql_columns import quote

#: Rows read and inserted at a time: a chunk of a wide FOCUS file is about 75 MiB of text.
CHUNK_ROWS = 100_000
#: Rows per Arrow batch within a chunk, the unit DuckDB's threads share out.
BATCH_ROWS = 10_000
#: Problems gathered before a bad file's diagnosis stops reading it.
_PROBLEMS_SHOWN = 20
_CHUNK = "focus_raw_chunk"  # the name the statement scans: a local of _ChunkInserter.insert
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
        rows, totals = 0, CurrencyTotals()
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
        totals: CurrencyTotals,
    ) -> int:
        frame = self._rows(ref, period)
        chunks = _ChunkInserter(con, self.table, {"source": source, "period": period}, totals)
        try:
            frame.sink_batches(chunks.insert, chunk_size=CHUNK_ROWS)
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            if chunks.error is None:
                raise unreadable(ref, exc) from exc
        if isinstance(chunks.error, duckdb.ConversionException | duckdb.InvalidInputException):
            raise InputError(self._diagnose(ref, period, chunks.error)) from chunks.error
        if chunks.error is not None:
            raise chunks.error
        return chunks.rows

    def _rows(self, ref: FileRef, period: str) -> pl.LazyFrame:
        """The file's rows of ``period``, only the columns the normalization reads."""
        try:
            frame = self.export.scan(ref)
            schema = frame.collect_schema()
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise unreadable(ref, exc) from exc
        problem = require_columns(pl.DataFrame(schema=schema), REQUIRED, ref.uri, "FOCUS")
        if problem is not None:
            raise InputProblemError(problem)
        wanted = read_columns(schema.names())
        frame = frame.select([n for n in schema.names() if n in wanted])
        if self.export.holds_only(ref, period):
            return frame
        return frame.filter(period_expr(schema) == period)

    def _diagnose(self, ref: FileRef, period: str, error: duckdb.Error) -> list[InputProblem]:
        """File, row and column of the values that stopped the insert: the file read again
        (this runs only when the input is bad), a chunk at a time, normalized leniently, until
        the first problems are found."""
        problems: list[InputProblem] = []

        def check(chunk: pl.DataFrame) -> bool:
            raw = null_markers(chunk, BILL_COLUMNS)
            lines = normalize_focus(raw.lazy(), source="", period=period).collect()
            problems.extend(focus_problems(raw, lines))
            return len(problems) >= _PROBLEMS_SHOWN

        self._rows(ref, period).sink_batches(check, chunk_size=CHUNK_ROWS)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return problems or [InputProblem(file=ref.uri, message=f"cannot be normalized: {first}")]


class _ChunkInserter:
    """Inserts each chunk polars hands over, as it is read. polars waits for each call, so no
    more than a few chunks are ever in memory (``collect_batches`` reads ahead without limit).
    A chunk is an Arrow table, not a stream: DuckDB reads a table's batches on all threads, a
    Python stream's one at a time (twice as slow on 2 cores)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        params: dict[str, Any],
        totals: CurrencyTotals,
    ):
        self.con, self.table, self.params, self.totals = con, table, params, totals
        self.sql = ""
        self.rows = 0
        self.error: Exception | None = None

    def insert(self, chunk: pl.DataFrame) -> bool:
        """Insert one chunk; True (stop reading) once an insert has failed."""
        try:
            add_chunk_totals(self.totals, chunk)
            arrow = chunk.to_arrow(compat_level=pl.CompatLevel.newest())
            # Scanned by its name here (a replacement scan), not registered: a view registered
            # inside the transaction would keep every chunk alive until the commit.
            focus_raw_chunk = pa.Table.from_batches(arrow.to_batches(BATCH_ROWS))  # noqa: F841
            if not self.sql:
                columns = ", ".join(quote(name) for name in COLUMN_NAMES)
                # Described here, not by sql_columns.column_types: the replacement scan finds
                # the chunk only among the locals of the frame that runs the statement.
                described = self.con.execute(
                    f"SELECT column_name, column_type FROM (DESCRIBE {_CHUNK})"
                ).fetchall()
                select = normalize_sql(dict(described), _CHUNK)
                self.sql = f"INSERT INTO {self.table} ({columns}) {select}"
            inserted = self.con.execute(self.sql, self.params).fetchall()
            self.rows += int(inserted[0][0]) if inserted else 0
        except Exception as exc:  # noqa: BLE001 - handed back to the loader after polars stops
            self.error = exc
            return True
        return False


def add_chunk_totals(totals: CurrencyTotals, chunk: pl.DataFrame) -> None:
    """Row count and BilledCost per BillingCurrency of one chunk, from the raw values as
    written."""
    currency = (
        pl.col("BillingCurrency").cast(pl.Utf8).str.strip_chars().str.to_uppercase()
        if "BillingCurrency" in chunk.columns
        else pl.lit(None, dtype=pl.Utf8)
    )
    cost = pl.col("BilledCost").cast(pl.Utf8).str.strip_chars().cast(_TOTAL, strict=False)
    sums = chunk.group_by(currency.replace("", None).alias("code")).agg(
        pl.len().alias("n"), cost.sum().alias("total")
    )
    for code, count, total in sums.iter_rows():
        totals.add(code, count, total)
