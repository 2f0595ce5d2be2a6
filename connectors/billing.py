"""What the loader needs from a billing connector, one (source, period) at a time.

Every billing source kind (one folder each: focus/, aws/, gcp/, azure/) builds a BillingReader
from a BillingContext; which kind builds which is said once, in connectors/registry.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import duckdb
import polars as pl

from connectors.discovery import Discovery
from connectors.errors import InputProblem
from connectors.files import FileRef, FileSystem, filesystem_for


@dataclass(frozen=True)
class BillingContext:
    """Where a source's files are, and the lookups some sources take.

    ``on_demand``: for sources whose spot lines carry no on-demand price, a callable from the
    spot keys a period has to their on-demand prices (see the source's normalize module);
    ``bigquery``: a client for ``bq://`` GCP sources (default: the official one)."""

    root: str
    endpoint_url: str | None = None
    on_demand: Callable[[set[Any]], Any] | Mapping[Any, Any] | None = None
    bigquery: Any = None

    @property
    def fs(self) -> FileSystem:
        return filesystem_for(self.root, self.endpoint_url)


class Export(Protocol):
    """A connector's file side: what periods the export holds, and one period's raw rows."""

    def discover(self) -> Discovery: ...

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame: ...


Totals = list[tuple[str | None, int, Decimal]]


class CurrencyTotals:
    """An export's own row count and billed total per currency, added up part by part (a
    connector that inserts a period itself reads it in parts)."""

    def __init__(self) -> None:
        self.by_code: dict[str | None, list[Any]] = {}

    def add(self, code: str | None, count: int, total: Decimal | None) -> None:
        entry = self.by_code.setdefault(code, [0, Decimal(0)])
        entry[0] += count
        entry[1] += total or Decimal(0)

    def items(self) -> Totals:
        return [(code, count, total) for code, (count, total) in self.by_code.items()]


Insert = Callable[[duckdb.DuckDBPyConnection, str, str, list[FileRef]], tuple[int, Totals]]


@dataclass
class BillingReader:
    """What the loader needs from a billing connector, one (source, period) at a time."""

    export: Export
    #: Values of the raw rows that did not survive normalization into cost lines.
    problems: Callable[[pl.DataFrame, pl.DataFrame], list[InputProblem]]
    #: Raw rows of one period -> marts.cost_lines rows (keyword args source and period).
    normalize: Callable[..., pl.LazyFrame]
    #: The export's own billed total per currency, read from the raw text.
    control_totals: Callable[[pl.DataFrame], Totals]
    #: Where a connector inserts a period itself (in SQL, streaming from its files), this does:
    #: (connection, source, period, files) -> (rows, control totals).
    insert: Insert | None = None

    def discover(self) -> Discovery:
        return self.export.discover()

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        return self.export.read(period, files)

    def iter_batches(self, period: str, files: list[FileRef]) -> Iterator[pl.DataFrame]:
        """The period's raw rows in batches that normalize independently, so a month of tens of
        millions of lines never sits in memory at once; exports whose rows depend on each other
        (Azure's actual and amortized exports) come as one batch."""
        batches = getattr(self.export, "batches", None)
        if batches is None:
            yield self.read(period, files).collect()
        else:
            yield from batches(period, files)


#: A source's independent re-read of its own export: the billed total of ``period`` in the
#: files it was loaded from, for the bill-vs-export check (fs, root, files, period).
ExportTotal = Callable[[FileSystem, str, list[FileRef], str], Decimal]
