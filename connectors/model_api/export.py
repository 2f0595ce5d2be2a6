"""A folder of saved admin-API pages as a billing export: periods are the UTC months of the
buckets, and a period's rows are every bucket that starts in it (read by pages.py).

The raw frame keeps each amount as the API wrote it (text) beside its divisor, so the export's
own total (``control_totals``) is summed from the text, apart from the normalization that divides
it; normalize.py maps the rows onto marts.cost_lines.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import polars as pl

from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef, FileSystem
from connectors.model_api.pages import SUFFIXES, Api, Row, months, read_rows

#: The raw frame's columns, all text but the counts and times.
RAW_SCHEMA: dict[str, pl.DataType] = {
    "endpoint": pl.Utf8(),
    "start": pl.Datetime("us"),
    "end": pl.Datetime("us"),
    "amount": pl.Utf8(),
    "divisor": pl.Int64(),
    "currency": pl.Utf8(),
    "quantity": pl.Int64(),
    "unit": pl.Utf8(),
    "model": pl.Utf8(),
    "token_type": pl.Utf8(),
    "line_item": pl.Utf8(),
    "description": pl.Utf8(),
    "project": pl.Utf8(),
    "tags": pl.List(pl.Struct({"key": pl.Utf8, "value": pl.Utf8})),
    "_file": pl.Utf8(),
    "_row": pl.Int64(),
}


class PagesExport:
    """One source's saved pages, read period by period."""

    def __init__(self, root: str, fs: FileSystem, api: Api):
        self.root = root
        self.fs = fs
        self.api = api

    def files(self) -> list[FileRef]:
        return self.fs.list(self.root, SUFFIXES)

    def discover(self) -> Discovery:
        """Each file under every month its buckets start in; a file whose bucket times cannot be
        read fails every period of the source (its months are unknown), naming it. Results are
        checked when their month is read, so a bad one fails its month only."""
        found: dict[str, list[FileRef]] = defaultdict(list)
        unplaced: list[InputProblem] = []
        for ref in self.files():
            try:
                periods = months(self.api, ref, self.fs.local_path(ref))
            except InputProblemError as exc:
                unplaced.append(exc.problem)
                continue
            for period in sorted(periods):
                found[period].append(ref)
        return Discovery(dict(sorted(found.items())), unplaced, {})

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        rows = read_rows(self.api, [(ref, self.fs.local_path(ref)) for ref in files], period)
        return frame(rows).lazy()


def frame(rows: list[Row]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "endpoint": r.endpoint,
                "start": r.start,
                "end": r.end,
                "amount": r.amount,
                "divisor": r.divisor,
                "currency": r.currency,
                "quantity": r.quantity,
                "unit": r.unit,
                "model": r.model,
                "token_type": r.token_type,
                "line_item": r.line_item,
                "description": r.description,
                "project": r.project,
                "tags": [{"key": k, "value": v} for k, v in r.tags.items() if v is not None],
                "_file": r.file,
                "_row": r.item,
            }
            for r in rows
        ],
        schema=RAW_SCHEMA,
    )


def control_totals(raw: pl.DataFrame) -> list[tuple[str | None, int, Decimal]]:
    """The pages' own cost per currency, summed with Decimal from the amounts as written and
    divided once per amount by its unit (Anthropic writes cents), apart from normalize."""
    counts: dict[str | None, int] = {}
    sums: dict[str | None, Decimal] = {}
    for amount, divisor, code in raw.select("amount", "divisor", "currency").iter_rows():
        key = code.upper() if code else None
        counts[key] = counts.get(key, 0) + 1
        value = Decimal(amount) / Decimal(divisor) if amount is not None else Decimal(0)
        sums[key] = sums.get(key, Decimal(0)) + value
    return [(code, counts[code], sums[code]) for code in counts]
