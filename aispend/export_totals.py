"""Compare each loaded period with sums read straight from the export files by DuckDB.

The loader parses exports with polars; this check re-reads the very files the last good load used
with DuckDB's own CSV and parquet readers and sums the billed-cost column as written, so a bug in
our parsing, normalization or partition replace shows up as a difference, to the cent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from aispend.config import AispendConfig, SourceConfig
from aispend.store.session import latest
from connectors.files import FileRef, filesystem_for

#: Per source kind: the billed-cost column and the billing-period column, squashed
#: (lower case, letters and digits only) so every spelling of the name matches.
_COLUMNS = {
    "focus": ("billedcost", "billingperiodstart"),
    "aws_cur": ("lineitemunblendedcost", "billbillingperiodstartdate"),
}
_PATH_PERIOD = re.compile(r"BILLING_PERIOD=\d{4}-\d{2}|/\d{8}-\d{8}/|year=\d{4}/month=\d{1,2}/")


@dataclass(frozen=True)
class Mismatch:
    period: str
    loaded: Decimal
    in_files: Decimal


def export_mismatches(config: AispendConfig, source: SourceConfig, warehouse: Path
                      ) -> tuple[int, list[Mismatch]]:
    """(periods compared, the periods whose loaded billed cost differs from the files')."""
    if source.kind not in _COLUMNS:
        return 0, []
    with latest(warehouse, config.store_uri) as con:
        files = con.execute(
            "select period, file, size, stamp from meta.partition_files where source = ? "
            "order by period, file", [source.name]).fetchall()
        loaded = dict(con.execute(
            "select x_billing_period, coalesce(sum(billed_cost), 0) from marts.cost_lines "
            "where x_source = ? group by 1", [source.name]).fetchall())
    by_period: dict[str, list[FileRef]] = {}
    for period, uri, size, stamp in files:
        by_period.setdefault(period, []).append(FileRef(uri, size, stamp))
    fs = filesystem_for(config.source_path(source), source.endpoint_url)
    cost_key, period_key = _COLUMNS[source.kind]
    reader = duckdb.connect()
    mismatches = []
    for period, refs in by_period.items():
        total = sum((_file_total(reader, fs.local_path(ref), ref.uri, period, cost_key,
                                 period_key) for ref in refs), Decimal(0))
        have = Decimal(loaded.get(period, 0))
        if abs(have - total) >= Decimal("0.005"):
            mismatches.append(Mismatch(period, have, total))
    reader.close()
    return len(by_period), mismatches


def _file_total(con: duckdb.DuckDBPyConnection, path: Path, uri: str, period: str,
                cost_key: str, period_key: str) -> Decimal:
    if uri.lower().endswith(".parquet"):
        relation = "read_parquet(?)"
    else:
        relation = "read_csv(?, all_varchar = true, header = true, null_padding = true)"
    columns = [row[0] for row in con.execute(
        f"describe select * from {relation}", [str(path)]).fetchall()]
    names = {re.sub(r"[^a-z0-9]", "", c.lower()): c for c in columns}
    cost = _quoted(names[cost_key])
    where, params = "", [str(path)]
    if period_key in names and not _PATH_PERIOD.search(uri):
        where = f" where left(cast({_quoted(names[period_key])} as varchar), 7) = ?"
        params.append(period)
    row = con.execute(
        f"select sum(try_cast(nullif(cast({cost} as varchar), 'NULL') as decimal(38, 10))) "
        f"from {relation}{where}", params).fetchone()
    return Decimal(row[0]) if row and row[0] is not None else Decimal(0)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
