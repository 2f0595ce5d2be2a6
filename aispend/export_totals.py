"""Compare each loaded period with sums read straight from the very export files it was loaded from.

The loader parses exports with polars; this check re-reads the files with readers of its own
(DuckDB's CSV and parquet readers for FOCUS and CUR, Python's csv/json and Decimal for GCP and
Azure, see export_readers.py) and sums the billed cost as written, so a bug in our parsing,
normalization or partition replace shows up as a difference, to the cent.

A provider restates a period by rewriting its files, often under the same names. A period is
compared only with the files as they were when it was loaded (their digests, recorded by the
load): one whose files changed since is reported as changed, not compared, never as a mismatch;
the next load of that period replaces it and is compared then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from aispend.config import AispendConfig, SourceConfig
from aispend.export_readers import azure_billed, azure_billed_files, gcp_net
from aispend.file_digests import LoadedFile, refs_now, unchanged
from aispend.store.session import latest
from connectors.files import FileRef, FileSystem, filesystem_for

#: Per source kind read with DuckDB: the billed-cost column and the billing-period column,
#: squashed (lower case, letters and digits only) so every spelling of the name matches.
_COLUMNS = {
    "focus": ("billedcost", "billingperiodstart"),
    "aws_cur": ("lineitemunblendedcost", "billbillingperiodstartdate"),
}
#: Every billing source kind this check covers.
KINDS = (*_COLUMNS, "gcp_billing", "azure_cost")
_PATH_PERIOD = re.compile(r"BILLING_PERIOD=\d{4}-\d{2}|/\d{8}-\d{8}/|year=\d{4}/month=\d{1,2}/")


@dataclass(frozen=True)
class Mismatch:
    period: str
    loaded: Decimal
    in_files: Decimal


@dataclass
class Comparison:
    """Periods compared, those whose loaded billed cost differs from their files', and those
    whose files changed (or went) since their load, which are not compared."""

    compared: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def export_mismatches(config: AispendConfig, source: SourceConfig, warehouse: Path
                      ) -> Comparison:
    """Each loaded period of ``source`` against the files it was loaded from."""
    result = Comparison()
    if source.kind not in KINDS:
        return result
    with latest(warehouse, config.store_uri) as con:
        files = con.execute(
            "select period, file, size, stamp, digest from meta.partition_files "
            "where source = ? order by period, file", [source.name]).fetchall()
        loaded = dict(con.execute(
            "select x_billing_period, coalesce(sum(billed_cost), 0) from marts.cost_lines "
            "where x_source = ? group by 1", [source.name]).fetchall())
    by_period: dict[str, list[LoadedFile]] = {}
    for period, uri, size, stamp, digest in files:
        by_period.setdefault(period, []).append(LoadedFile(uri, size, stamp, digest))
    root = config.source_path(source)
    fs = filesystem_for(root, source.endpoint_url)
    now = refs_now(fs, root, [row[1] for row in files])
    reader = duckdb.connect()
    try:
        for period, was in by_period.items():
            if not all(unchanged(f, now.get(f.uri)) for f in was):
                result.changed.append(period)
                continue
            total = _period_total(reader, fs, source.kind, root,
                                  [now[f.uri] for f in was], period)
            have = Decimal(loaded.get(period, 0))
            result.compared.append(period)
            if abs(have - total) >= Decimal("0.005"):
                result.mismatches.append(Mismatch(period, have, total))
    finally:
        reader.close()
    return result


def _period_total(reader: duckdb.DuckDBPyConnection, fs: FileSystem, kind: str, root: str,
                  refs: list[FileRef], period: str) -> Decimal:
    if kind == "gcp_billing":
        return sum((gcp_net(fs.local_path(r), r.uri, period) for r in refs), Decimal(0))
    if kind == "azure_cost":
        billed = set(azure_billed_files([r.uri for r in refs], root))
        return sum((azure_billed(fs.local_path(r), r.uri, period)
                    for r in refs if r.uri in billed), Decimal(0))
    cost_key, period_key = _COLUMNS[kind]
    return sum((_file_total(reader, fs.local_path(r), r.uri, period, cost_key, period_key)
                for r in refs), Decimal(0))


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
