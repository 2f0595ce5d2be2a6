"""The GCP billing export read from BigQuery itself (``path: bq://project.dataset.table``).

Through the official client, one query per invoice month with the month pushed down as a bound
parameter, so a reload scans one month rather than the whole table. What the table holds per
month (row count and newest ``export_time``) stands in for a file's size and stamp: the export is
append-only, so new rows for a closed month change the stamp and the month is reloaded whole.
Rows come back nested like the JSON export and are flattened by the same code as the files.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import polars as pl

from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef
from connectors.gcp.export import flat_rows

_TABLE = re.compile(r"^[A-Za-z0-9_.:-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_$]+$")


class QueryClient(Protocol):
    """The part of ``google.cloud.bigquery.Client`` used here."""

    def query(self, query: str, job_config: Any = None) -> Any: ...


def bigquery_client(project: str) -> QueryClient:
    from google.cloud import bigquery

    return bigquery.Client(project=project)


class BigQueryBillingExport:
    def __init__(self, uri: str, client: QueryClient | None = None):
        table = uri.removeprefix("bq://")
        if not _TABLE.match(table):
            raise ValueError(f"{uri}: expected bq://project.dataset.table")
        self.uri = uri
        self.table = table
        self._client = client

    @property
    def client(self) -> QueryClient:
        if self._client is None:
            self._client = bigquery_client(self.table.split(".")[0])
        return self._client

    def discover(self) -> Discovery:
        sql = (
            f"SELECT invoice.month AS month, COUNT(*) AS row_count, "
            f"CAST(MAX(export_time) AS STRING) AS newest FROM `{self.table}` GROUP BY month"
        )
        periods: dict[str, list[FileRef]] = {}
        unplaced: list[InputProblem] = []
        for row in self.client.query(sql).result():
            month = row["month"]
            if not month or not re.fullmatch(r"\d{6}", str(month)):
                unplaced.append(
                    InputProblem(
                        file=self.uri,
                        column="invoice.month",
                        message=f"a month YYYYMM expected, found {month!r}",
                    )
                )
                continue
            period = f"{month[:4]}-{month[4:]}"
            periods[period] = [
                FileRef(
                    uri=f"{self.uri}#invoice.month={month}",
                    size=int(row["row_count"]),
                    stamp=str(row["newest"]),
                )
            ]
        return Discovery(dict(sorted(periods.items())), unplaced)

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        from google.cloud import bigquery

        month = period.replace("-", "")
        config = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter("month", "STRING", month)]
        )
        sql = f"SELECT * FROM `{self.table}` WHERE invoice.month = @month"
        rows = [dict(row.items()) for row in self.client.query(sql, job_config=config).result()]
        uri = f"{self.uri}#invoice.month={month}"
        if not rows:
            raise InputProblemError(InputProblem(file=uri, message="no rows for the month"))
        frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
            pl.lit(uri).alias("_file"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row")
        )
        return flat_rows(frame, uri).lazy()
