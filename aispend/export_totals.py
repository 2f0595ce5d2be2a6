"""Compare each loaded period with sums read straight from the very export files it was loaded from.

The loader parses exports with polars; this check re-reads the files with readers of their own
(each source kind's ``export_total``: DuckDB's CSV and parquet readers for FOCUS and CUR,
Python's csv/json and Decimal for GCP and Azure, see connectors/export_sums.py) and sums the
billed cost as written, so a bug in our parsing, normalization or partition replace shows up as a
difference, to the cent.

A provider restates a period by rewriting its files, often under the same names. A period is
compared only with the files as they were when it was loaded (their digests, recorded by the
load): one whose files changed since is reported as changed, not compared, never as a mismatch;
the next load of that period replaces it and is compared then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from aispend.config import AispendConfig, SourceConfig
from aispend.file_digests import LoadedFile, refs_now, unchanged
from aispend.storage import open_warehouse
from connectors.files import filesystem_for
from connectors.registry import source_kind


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


def export_mismatches(
    config: AispendConfig, source: SourceConfig, period: str | None = None
) -> Comparison:
    """``period`` of ``source`` (every loaded period without one) against the files it was
    loaded from: a load checks its own period, so a history of N periods is not re-read N
    times, and a period another process is loading right now is not half-seen."""
    result = Comparison()
    export_total = source_kind(source.kind).export_total
    if export_total is None:
        return result
    with open_warehouse(config).latest() as con:
        files = con.execute(
            "select period, file, size, stamp, digest from meta.partition_files "
            "where source = ? and period = coalesce(?, period) order by period, file",
            [source.name, period],
        ).fetchall()
        loaded = dict(
            con.execute(
                "select x_billing_period, coalesce(sum(billed_cost), 0) from marts.cost_lines "
                "where x_source = ? and x_billing_period = coalesce(?, x_billing_period) "
                "group by 1",
                [source.name, period],
            ).fetchall()
        )
    by_period: dict[str, list[LoadedFile]] = {}
    for period, uri, size, stamp, digest in files:
        by_period.setdefault(period, []).append(LoadedFile(uri, size, stamp, digest))
    root = config.source_path(source)
    fs = filesystem_for(root, source.endpoint_url)
    now = refs_now(fs, root, [row[1] for row in files])
    for period, was in by_period.items():
        if not all(unchanged(f, now.get(f.uri)) for f in was):
            result.changed.append(period)
            continue
        total = export_total(fs, root, [now[f.uri] for f in was], period)
        have = Decimal(loaded.get(period, 0))
        result.compared.append(period)
        if abs(have - total) >= Decimal("0.005"):
            result.mismatches.append(Mismatch(period, have, total))
    return result
