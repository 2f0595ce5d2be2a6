"""Which connector reads which source kind, behind one small interface the loader relies on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Protocol

import duckdb
import polars as pl

from connectors.aws.export import CurExport
from connectors.aws.load import CurLoader, cur_problems, normalize_cur
from connectors.azure.export import AzureCostExport
from connectors.azure.normalize import (
    AzureOnDemand,
    azure_control_totals,
    azure_problems,
    normalize_azure,
)
from connectors.discovery import Discovery
from connectors.errors import InputProblem
from connectors.files import FileRef, filesystem_for
from connectors.focus.export import FocusExport
from connectors.focus.normalize import focus_problems, normalize_focus
from connectors.gcp.bigquery import BigQueryBillingExport, QueryClient
from connectors.gcp.export import GcpBillingExport
from connectors.gcp.normalize import (
    OnDemand,
    gcp_control_totals,
    gcp_problems,
    normalize_gcp,
)
from connectors.parsing import control_totals


class Export(Protocol):
    """A connector's file side: what periods the export holds, and one period's raw rows."""

    def discover(self) -> Discovery: ...

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame: ...


Totals = list[tuple[str | None, int, Decimal]]
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


class UnsupportedKind(Exception):
    """A source kind the config accepts but this version cannot read yet."""


def billing_reader(kind: str, root: str, endpoint_url: str | None = None,
                   on_demand: OnDemand | None = None,
                   azure_on_demand: AzureOnDemand | None = None,
                   bigquery: QueryClient | None = None) -> BillingReader:
    """``on_demand``: GCP spot SKU id -> on-demand price per pricing unit (USD), from the
    catalog; ``azure_on_demand``: (VM size, region, os) -> pay-as-you-go USD price of an hour;
    ``bigquery``: a client for ``bq://`` sources (default: the official client)."""
    if kind == "gcp_billing" and root.startswith("bq://"):
        return BillingReader(BigQueryBillingExport(root, bigquery), gcp_problems,
                             partial(normalize_gcp, on_demand=on_demand), gcp_control_totals)
    fs = filesystem_for(root, endpoint_url)
    if kind == "focus":
        return BillingReader(FocusExport(root, fs), focus_problems, normalize_focus,
                             partial(control_totals, cost="BilledCost",
                                     currency="BillingCurrency"))
    if kind == "aws_cur":
        export = CurExport(root, fs)
        return BillingReader(export, cur_problems, normalize_cur,
                             partial(control_totals, cost="line_item_unblended_cost",
                                     currency="line_item_currency_code"),
                             insert=CurLoader(export).insert)
    if kind == "gcp_billing":
        return BillingReader(GcpBillingExport(root, fs), gcp_problems,
                             partial(normalize_gcp, on_demand=on_demand), gcp_control_totals)
    if kind == "azure_cost":
        return BillingReader(AzureCostExport(root, fs), azure_problems,
                             partial(normalize_azure, on_demand=azure_on_demand),
                             azure_control_totals)
    raise UnsupportedKind(
        f"source kind {kind!r} has no connector in this version of aispend yet; "
        "export the data as FOCUS (kind: focus) meanwhile")
