"""Billed totals read straight from export files, for the bill-vs-export check.

These readers share nothing with the connectors' polars parsing: the check is worth something
only as a second computation. FOCUS and CUR files are summed by DuckDB's own CSV and parquet
readers (``column_total``); GCP and Azure exports, whose totals need their nesting (credits) or
their export kind (actual or amortized), by Python's csv and json modules and Decimal
(``rows``, ``money``). Each source's ``totals.py`` applies its export's own definition.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from connectors.compressed import compression_of, open_text, strip_compression_suffix

Row = dict[str, Any]
#: A billing period in the path (CUR 2.0, legacy CUR, Hive layouts): the file is one period.
PATH_PERIOD = re.compile(r"BILLING_PERIOD=\d{4}-\d{2}|/\d{8}-\d{8}/|year=\d{4}/month=\d{1,2}/")


def column_total(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    uri: str,
    period: str,
    cost_key: str,
    period_key: str,
) -> Decimal:
    if uri.lower().endswith(".parquet"):
        relation = "read_parquet(?)"
    else:
        # told by the bytes, as the loader tells it: a gzip bill may be named .csv
        compression = compression_of(path) or "none"
        relation = (
            "read_csv(?, all_varchar = true, header = true, null_padding = true, "
            f"compression = '{compression}')"
        )
    columns = [
        row[0] for row in con.execute(f"describe select * from {relation}", [str(path)]).fetchall()
    ]
    names = {re.sub(r"[^a-z0-9]", "", c.lower()): c for c in columns}
    cost = _quoted(names[cost_key])
    where, params = "", [str(path)]
    if period_key in names and not PATH_PERIOD.search(uri):
        where = f" where left(cast({_quoted(names[period_key])} as varchar), 7) = ?"
        params.append(period)
    row = con.execute(
        f"select sum(try_cast(nullif(cast({cost} as varchar), 'NULL') as decimal(38, 10))) "
        f"from {relation}{where}",
        params,
    ).fetchone()
    return Decimal(row[0]) if row and row[0] is not None else Decimal(0)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rows(path: Path, uri: str) -> Iterator[Row]:
    name = uri.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches():
            yield from batch.to_pylist()
        return
    with open_text(path) as handle:
        if strip_compression_suffix(name).endswith((".json", ".jsonl", ".ndjson")):
            for line in handle:
                if line.strip():
                    yield json.loads(line, parse_float=Decimal)
        else:
            yield from csv.DictReader(handle)


def credits(value: Any) -> list[Row]:
    """A row's credits as a list of objects: a list, one object (some exporters write a single
    credit so), or either as JSON text or a Python repr."""
    if value is None or isinstance(value, list):
        return value or []
    if isinstance(value, dict):
        return [value]
    text = str(value).strip()
    if not text:
        return []
    try:
        parsed = json.loads(text, parse_float=Decimal)
    except ValueError:
        parsed = ast.literal_eval(text)
    if isinstance(parsed, dict):
        return [parsed]
    return [c for c in parsed if isinstance(c, dict)]


def present(value: Any) -> bool:
    return value is not None and str(value).strip() not in ("", "NULL", "null")


def money(value: Any) -> Decimal:
    if not present(value):
        return Decimal(0)
    # repr keeps a float's shortest exact digits (what the export wrote), str(Decimal) is exact
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
