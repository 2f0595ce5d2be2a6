"""A CUR billing period into a DuckDB table in one streaming ``INSERT ... SELECT``.

Parquet files (CUR 2.0 and Athena-format legacy CUR) are read by DuckDB itself, so a month of
tens of millions of lines never passes through a Python frame and memory stays bounded by
DuckDB's buffer pool. CSV files are read by polars (it copes with the ragged rows and quirks of
legacy exports) and go through the same SQL, so there is one normalization, not two.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.aws.columns import CurColumns, quote
from connectors.aws.export import (
    PERIOD_COLUMN,
    REQUIRED,
    TAG_PREFIX,
    CurExport,
    canonical_columns,
    period_from_path,
)
from connectors.aws.lookups import lookups, unregister
from connectors.aws.sql import normalize_sql, problems_sql, totals_sql
from connectors.billing import CurrencyTotals, Totals
from connectors.cost_model import COLUMN_NAMES, TAG_ENTRY, conform, normalize_tag_key
from connectors.errors import InputError, InputProblem, InputProblemError
from connectors.files import FileRef
from connectors.sql_columns import column_types

_RAW_VIEW = "cur_raw_frame"


class CurLoader:
    """Inserts a period's CUR lines into ``marts.cost_lines`` (or another table of its shape)."""

    def __init__(self, export: CurExport, table: str = "marts.cost_lines"):
        self.export = export
        self.table = table

    def insert(
        self, con: duckdb.DuckDBPyConnection, source: str, period: str, files: list[FileRef]
    ) -> tuple[int, Totals]:
        """Insert the period's rows; returns (rows, control totals per currency). Raises
        InputError naming file, row and column when a value is not what its column holds."""
        parquet = [ref for ref in files if ref.uri.lower().endswith(".parquet")]
        rows, totals = 0, CurrencyTotals()
        with lookups(con):
            if parquet:
                relation, params = self._parquet_relation(con, parquet, period)
                rows += self._insert(con, relation, params, source, period, totals)
            for ref in files:
                if ref in parquet:
                    continue
                frame = self.export.read(period, [ref]).collect()
                with frame_view(con, frame):
                    rows += self._insert(
                        con,
                        Relation(_RAW_VIEW, column_types(con, _RAW_VIEW)),
                        {},
                        source,
                        period,
                        totals,
                        frame=frame,
                    )
        return rows, totals.items()

    def _insert(
        self,
        con: duckdb.DuckDBPyConnection,
        relation: Relation,
        params: dict[str, Any],
        source: str,
        period: str,
        totals: CurrencyTotals,
        frame: pl.DataFrame | None = None,
    ) -> int:
        keys = tag_keys(con, relation, params)
        select, extra = normalize_sql(relation.types, relation.sql, keys)
        values = {**params, **extra, "source": source, "period": period}
        columns = ", ".join(quote(name) for name in COLUMN_NAMES)
        try:
            for row in con.execute(
                totals_sql(relation.types, relation.sql), params or None
            ).fetchall():
                totals.add(*row)
            inserted = con.execute(f"INSERT INTO {self.table} ({columns}) {select}", values)
            count = inserted.fetchall()
        except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
            raise InputError(_diagnose(relation, params, frame, exc)) from exc
        return int(count[0][0]) if count else 0

    def _parquet_relation(
        self, con: duckdb.DuckDBPyConnection, refs: list[FileRef], period: str
    ) -> tuple[Relation, dict[str, Any]]:
        paths = [str(self.export.fs.local_path(ref)) for ref in refs]
        for ref, path in zip(refs, paths, strict=True):
            _check_parquet(ref, path)
        scan = "read_parquet($files, union_by_name = true, filename = true, file_row_number = true)"
        described = con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
            "read_parquet($files, union_by_name = true))",
            {"files": paths},
        ).fetchall()
        renamed = canonical_columns([name for name, _ in described])
        types: dict[str, str] = {}
        selected = []
        for name, kind in described:
            canonical = renamed[name]
            if canonical not in types:
                types[canonical] = kind
                selected.append(f"{quote(name)} AS {quote(canonical)}")
        params: dict[str, Any] = {"files": paths}
        cases = []
        for index, (ref, path) in enumerate(zip(refs, paths, strict=True)):
            params[f"path_{index}"], params[f"uri_{index}"] = path, ref.uri
            cases.append(f"WHEN $path_{index} THEN $uri_{index}")
        unfiltered = [f"$path_{i}" for i, ref in enumerate(refs) if period_from_path(ref.uri)]
        where = ""
        if len(unfiltered) < len(refs):
            params["file_period"] = period
            in_period = (
                f"strftime({CurColumns(types).timestamp(PERIOD_COLUMN)}, '%Y-%m') = $file_period"
            )
            keep = f"filename IN ({', '.join(unfiltered)}) OR " if unfiltered else ""
            where = f"WHERE {keep}{in_period}"
        sql = (
            f"(SELECT {', '.join(selected)}, CASE filename {' '.join(cases)} END AS _file, "
            f"file_row_number + 1 AS _row FROM {scan} {where}) AS raw"
        )
        types["_file"], types["_row"] = "VARCHAR", "BIGINT"
        return Relation(sql, types), params


class Relation:
    """Raw CUR rows as a FROM item, and the DuckDB types of its columns."""

    def __init__(self, sql: str, types: dict[str, str]):
        self.sql = sql
        self.types = types


@contextmanager
def frame_view(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` (raw CUR text as polars reads it) as the view the statement reads."""
    con.register(_RAW_VIEW, with_tag_entries(frame).to_arrow())
    try:
        yield
    finally:
        unregister(con, _RAW_VIEW)


def with_tag_entries(frame: pl.DataFrame) -> pl.DataFrame:
    """CUR 2.0 CSV writes ``resource_tags`` as JSON text; decoded here into key/value entries."""
    if frame.schema.get("resource_tags") != pl.Utf8:
        return frame
    from connectors.focus.normalize import decode_tags

    return frame.with_columns(
        pl.col("resource_tags").map_batches(decode_tags, return_dtype=pl.List(TAG_ENTRY))
    )


def tag_keys(
    con: duckdb.DuckDBPyConnection, relation: Relation, params: dict[str, Any]
) -> dict[str, str]:
    """Every tag key in ``relation`` with its matching form: a scan of the keys alone, so the
    normalization is a lookup, and normalize_tag_key is its one definition."""
    keys = {name[len(TAG_PREFIX) :] for name in relation.types if name.startswith(TAG_PREFIX)}
    for source in CurColumns(relation.types).tag_key_sources():
        rows = con.execute(
            f"SELECT DISTINCT unnest({source}) FROM {relation.sql}", params or None
        ).fetchall()
        keys.update(key for (key,) in rows if key is not None)
    return {key: normalize_tag_key(key) for key in sorted(keys)}


def _check_parquet(ref: FileRef, path: str) -> None:
    """A file that is not readable parquet, or lacks a required column, fails by name before
    anything is read."""
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputProblemError(
            InputProblem(file=ref.uri, message=f"cannot be read as a CUR file: {message}")
        ) from exc
    present = set(canonical_columns(names).values())
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise InputProblemError(
            InputProblem(
                file=ref.uri,
                column=missing[0],
                message=f"required CUR column {missing[0]} is missing",
            )
        )


def _diagnose(
    relation: Relation, params: dict[str, Any], frame: pl.DataFrame | None, error: duckdb.Error
) -> list[InputProblem]:
    """File, row and column of the values that stopped the insert, found on a connection of
    its own (the writer's transaction is aborted by then)."""
    con = duckdb.connect()
    try:
        if frame is not None:
            con.register(_RAW_VIEW, with_tag_entries(frame).to_arrow())
        rows = con.execute(problems_sql(relation.types, relation.sql), params or None).fetchall()
    finally:
        con.close()
    problems = [
        InputProblem(file=file, row=row, column=column, message=f"{what} expected, found {value!r}")
        for file, row, column, value, what in rows
    ]
    files = ", ".join(str(v) for k, v in params.items() if k.startswith("uri_"))
    if frame is not None and frame.height:
        files = str(frame["_file"][0])
    return problems or [
        InputProblem(file=files or "CUR input", message=f"cannot be normalized: {error}")
    ]


def normalize_cur(raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
    """The cost lines of raw CUR rows held in a frame (tests, small inputs): the same SQL the
    loader runs, on an in-memory DuckDB."""
    con = duckdb.connect()
    try:
        with lookups(con), frame_view(con, raw.collect()):
            relation = Relation(_RAW_VIEW, column_types(con, _RAW_VIEW))
            keys = tag_keys(con, relation, {})
            select, params = normalize_sql(relation.types, relation.sql, keys)
            values = {**params, "source": source, "period": period}
            result = con.sql(select, params=values).to_arrow_table()
    finally:
        con.close()
    frame = pl.from_arrow(result)
    assert isinstance(frame, pl.DataFrame)
    return conform(frame.lazy())


def cur_problems(raw: pl.DataFrame, lines: pl.DataFrame | None = None) -> list[InputProblem]:
    """Values in ``raw`` that are not what their column holds, by file, row and column."""
    con = duckdb.connect()
    try:
        with frame_view(con, raw):
            rows = con.execute(problems_sql(column_types(con, _RAW_VIEW), _RAW_VIEW)).fetchall()
    finally:
        con.close()
    return [
        InputProblem(file=file, row=row, column=column, message=f"{what} expected, found {value!r}")
        for file, row, column, value, what in rows
    ]
