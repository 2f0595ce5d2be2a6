"""GCP Cloud Billing export rows, from the files BigQuery exports write (or from BigQuery itself).

The export is a BigQuery table (standard or detailed resource-level). Teams copy it out as JSON
lines (often gzip, split into many shards), parquet, or CSV flattened with dotted names, where the
nested ``credits`` and ``labels`` become strings (JSON, or Python reprs in some tools). Every shape
is read into one flat frame: scalar fields as text under their dotted names, and ``credits``,
``labels``, ``system_labels`` and ``project.labels`` as lists of structs of text. No business rules
here: see connectors/gcp/normalize.py.

The billing period is ``invoice.month`` as exported (Google assigns it in Pacific time; it is
never re-derived from usage times). The export is append-only, so every row of a month counts.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import polars as pl

from connectors.compressed import strip_compression_suffix
from connectors.cut_off import place_files
from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef, FileSystem
from connectors.parsing import cut_short, null_markers

SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".parquet")
RECORD_FIELDS = {
    "credits": ("name", "amount", "type", "id", "full_name"),
    "labels": ("key", "value"),
    "system_labels": ("key", "value"),
    "project.labels": ("key", "value"),
}
REQUIRED = ("cost", "invoice.month", "currency")
_JSON = (".json", ".jsonl", ".ndjson")


def record_type(field: str) -> pl.DataType:
    return pl.List(pl.Struct({name: pl.Utf8 for name in RECORD_FIELDS[field]}))


class GcpBillingExport:
    """One folder (or file, or s3:// prefix) of GCP billing export files, read period by period."""

    def __init__(self, root: str, fs: FileSystem):
        self.root = root
        self.fs = fs

    def discover(self) -> Discovery:
        return place_files(self.fs.list(self.root, SUFFIXES), self.fs.local_path, self._months_in)

    def _months_in(
        self, ref: FileRef, path: Path | None = None
    ) -> tuple[set[str], list[InputProblem]]:
        frame = self._read(ref, path)
        months = frame.get_column("invoice.month")
        bad = frame.filter(~months.str.contains(r"^\d{6}$").fill_null(False))
        if bad.height:
            file, row, value = bad.select("_file", "_row", "invoice.month").row(0)
            return set(), [
                InputProblem(
                    file=file,
                    row=row,
                    column="invoice.month",
                    message=f"a month YYYYMM expected, found {value!r}",
                )
            ]
        return {f"{month[:4]}-{month[4:]}" for month in months.unique().to_list()}, []

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        """Raw rows of ``period`` (invoice month) with _file and _row columns."""
        month = period.replace("-", "")
        frames = [self._read(ref).filter(pl.col("invoice.month") == month) for ref in files]
        return pl.concat(frames, how="diagonal_relaxed").lazy()

    def _read(self, ref: FileRef, path: Path | None = None) -> pl.DataFrame:
        """One file, JSON lines, parquet or CSV (plain, gzip or zstd, told by polars from the
        first bytes; the format is the name without its compression suffix); ``path`` reads
        that local copy in place of the file (the readable part of a cut-off one)."""
        if path is None:
            path = self.fs.local_path(ref)
            cut = cut_short(path, ref.uri)
            if cut is not None:
                raise InputProblemError(cut)
        name = strip_compression_suffix(ref.uri.lower())
        try:
            if name.endswith(".parquet"):
                frame = pl.read_parquet(path)
            elif name.endswith(_JSON):
                frame = pl.read_ndjson(path, infer_schema_length=None)
            else:
                frame = null_markers(
                    pl.read_csv(path, infer_schema=False, raise_if_empty=True), ("cost",)
                )
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputProblemError(
                InputProblem(
                    file=ref.uri, message=f"cannot be read as a GCP billing export: {first}"
                )
            ) from exc
        frame = frame.with_columns(
            pl.lit(ref.uri).alias("_file"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
        )
        return flat_rows(frame, ref.uri)


def flat_rows(frame: pl.DataFrame, uri: str) -> pl.DataFrame:
    """Any export shape -> dotted text columns plus the record lists (see the module doc)."""
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    # A record field given as one object (``"credits": {"name": ..., "amount": -1.5}``) is a
    # list of one record, not a struct whose fields would become columns and the credit be lost.
    frame = frame.with_columns(
        pl.concat_list(pl.col(name)).alias(name)
        for name in RECORD_FIELDS
        if isinstance(frame.schema.get(name), pl.Struct)
    )
    frame = _unnest_structs(frame)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputProblemError(
            InputProblem(
                file=uri,
                column=missing[0],
                message=f"required GCP billing export column {missing[0]} is missing",
            )
        )
    frame = frame.with_columns(
        [
            pl.lit([], dtype=record_type(name)).alias(name)
            for name in RECORD_FIELDS
            if name not in frame.columns
        ]
    )
    columns = []
    for name, dtype in frame.schema.items():
        if name in ("_file", "_row"):
            columns.append(pl.col(name))
        elif name in RECORD_FIELDS:
            columns.append(_records(frame, name, uri))
        elif isinstance(dtype, pl.List):
            columns.append(pl.col(name).cast(pl.List(pl.Utf8)).list.join(",").alias(name))
        else:
            columns.append(_text(pl.col(name), dtype).alias(name))
    return frame.select(columns)


def _unnest_structs(frame: pl.DataFrame) -> pl.DataFrame:
    while True:
        structs = [n for n, t in frame.schema.items() if isinstance(t, pl.Struct)]
        if not structs:
            return frame
        for name in structs:
            fields = [f.name for f in frame.schema[name].fields]  # type: ignore[attr-defined]
            frame = frame.with_columns(
                pl.col(name).struct.rename_fields([f"{name}.{f}" for f in fields])
            ).unnest(name)


def _text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        zone = dtype.time_zone
        expr = expr.dt.convert_time_zone("UTC") if zone else expr
        return expr.dt.strftime("%Y-%m-%d %H:%M:%S%.f") + pl.lit("+00:00")
    text = expr.cast(pl.Utf8).str.strip_chars()
    # BigQuery writes timestamps as "2020-11-10 05:49:32.199 UTC" in JSON exports
    return text.str.replace(r" UTC$", "+00:00")


def _records(frame: pl.DataFrame, name: str, uri: str) -> pl.Expr:
    fields = RECORD_FIELDS[name]
    dtype = frame.schema[name]
    if isinstance(dtype, pl.Null) or (
        isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Null)
    ):
        return pl.col(name).cast(record_type(name)).fill_null([]).alias(name)
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        present = {f.name for f in dtype.inner.fields}
        return (
            pl.col(name)
            .list.eval(
                pl.struct(
                    [
                        (
                            pl.element().struct.field(f).cast(pl.Utf8)
                            if f in present
                            else pl.lit(None, dtype=pl.Utf8)
                        ).alias(f)
                        for f in fields
                    ]
                )
            )
            .cast(record_type(name))
            .alias(name)
        )
    values = frame.get_column(name).cast(pl.Utf8).to_list()
    rows = frame.get_column("_row").to_list()
    parsed = [
        _parse_records(text, fields, uri, row, name) for text, row in zip(values, rows, strict=True)
    ]
    return pl.lit(pl.Series(name, parsed, dtype=record_type(name))).alias(name)


def _parse_records(
    text: str | None, fields: tuple[str, ...], uri: str, row: int, column: str
) -> list[dict[str, str | None]]:
    """``[{'name': ..., 'amount': -5e-06, ...}]`` as JSON or a Python repr -> records of text."""
    if text is None or not text.strip():
        return []
    try:
        value: Any = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise InputProblemError(
                InputProblem(
                    file=uri,
                    row=row,
                    column=column,
                    message=f"a list of records expected, found {text[:80]!r}",
                )
            ) from exc
    if isinstance(value, dict):
        # One record given as an object (a credit, or a label as {"key": k, "value": v}) is a
        # list of one; a labels map {k: v, ...} is a record per entry.
        one = "key" in value if "key" in fields else True
        value = [value] if one else [{"key": k, "value": v} for k, v in value.items()]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputProblemError(
            InputProblem(
                file=uri,
                row=row,
                column=column,
                message=f"a list of records expected, found {text[:80]!r}",
            )
        )
    return [
        {f: None if v.get(f) is None else _scalar_text(v.get(f)) for f in fields} for v in value
    ]


def _scalar_text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)
