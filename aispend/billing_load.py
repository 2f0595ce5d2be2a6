"""Load one (source, billing period) partition: check outside, replace inside one transaction.

A provider restates whole periods, so a period is replaced whole or not at all. Reading, checking
and normalizing happen before the transaction; if anything in the period's files is wrong the
partition fails, its errors are recorded with file/row/column, and the rows it had stay.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputError, InputProblem, InputProblemError
from aispend.file_digests import LoadedFile, digests, file_digest
from aispend.on_demand_prices import lookup_for, using
from aispend.redact import redact
from aispend.warehouse import record_load_errors, transaction, utc_now, writer
from connectors.billing import BillingReader
from connectors.cost_model import COLUMN_NAMES, MAP_COLUMNS
from connectors.discovery import Discovery
from connectors.files import FileRef
from connectors.registry import billing_reader, source_kind

#: Called with the name of each step of a partition replace (delete, insert, commit, checkpoint,
#: done): for progress reporting, and for the crash tests that kill a load inside each step.
StepHook = Callable[[str], None]


def _no_step(step: str) -> None:
    return None


@dataclass
class LoadResult:
    source: str
    period: str
    status: str  # loaded | empty | failed
    rows: int = 0
    files: int = 0
    billed_by_currency: dict[str, Decimal] = field(default_factory=dict)
    problems: list[InputProblem] = field(default_factory=list)


def reader_for(
    config: AispendConfig, source: SourceConfig, warehouse: Path | None = None
) -> BillingReader:
    """The source's connector, with the price catalogs that fill spot lines' list cost."""
    where = warehouse or config.warehouse_path
    prices = source_kind(source.kind).on_demand_prices
    return billing_reader(
        source.kind,
        config.source_path(source),
        source.endpoint_url,
        on_demand=lookup_for(prices, config, where),
    )


def discover(config: AispendConfig, source: SourceConfig) -> Discovery:
    return reader_for(config, source).discover()


def load_billing_partition(
    config: AispendConfig,
    source: SourceConfig,
    period: str,
    *,
    warehouse: Path | None = None,
    discovery: Discovery | None = None,
    on_step: StepHook | None = None,
) -> LoadResult:
    """Replace ``period`` of ``source`` in marts.cost_lines; raise InputError if its input is bad.

    ``warehouse`` defaults to the config's file; Dagster passes its resource's path.
    """
    warehouse = warehouse or config.warehouse_path
    load_id = uuid.uuid4().hex[:12]
    started = utc_now()
    reader = reader_for(config, source, warehouse)
    discovery = discovery or reader.discover()
    files = discovery.periods.get(period, [])
    try:
        if discovery.unplaced:
            # A file whose period is unknown may hold rows of this period: loading without it
            # would replace the period with part of its data.
            raise InputError(discovery.unplaced)
        if discovery.failed.get(period):
            raise InputError(discovery.failed[period])
        if not files:
            return LoadResult(source.name, period, "empty")
        # Taken before the files are read: a file rewritten during the load then shows up as
        # changed since it (and is loaded again), never as loaded.
        delivered = digests(files)
        with writer(warehouse) as con:
            rows, totals = _replace_partition(
                con,
                load_id,
                source.name,
                period,
                started,
                reader,
                files,
                delivered,
                on_step or _no_step,
            )
    except InputProblemError as exc:
        _record_failure(warehouse, load_id, source.name, period, started, len(files), [exc.problem])
        raise InputError([exc.problem]) from exc
    except InputError as exc:
        _record_failure(warehouse, load_id, source.name, period, started, len(files), exc.problems)
        raise
    billed = {code or "": total for code, _, total in totals}
    return LoadResult(source.name, period, "loaded", rows, len(files), billed)


def _replace_partition(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    source: str,
    period: str,
    started: datetime,
    reader: BillingReader,
    files: list[FileRef],
    delivered: dict[str, str | None],
    on_step: StepHook,
) -> tuple[int, list[tuple[str | None, int, Decimal]]]:
    """Delete the period and insert it again batch by batch, in one transaction: a bad value in
    any batch rolls the whole period back to what it was."""
    key = [source, period]
    counts: dict[str | None, list[int]] = {}
    sums: dict[str | None, Decimal] = {}
    with transaction(con):
        on_step("delete")
        con.execute("DELETE FROM marts.cost_lines WHERE x_source = ? AND x_billing_period = ?", key)
        on_step("insert")
        with using(con):
            if reader.insert is not None:
                rows, totals = reader.insert(con, source, period, files)
            else:
                rows = _insert_batches(con, reader, source, period, files, counts, sums)
                totals = [(code, counts[code][0], sums[code]) for code in counts]
        con.execute("DELETE FROM meta.control_totals WHERE source = ? AND period = ?", key)
        if totals:
            con.executemany(
                "INSERT INTO meta.control_totals VALUES (?, ?, ?, ?, ?)",
                [[source, period, code, count, total] for code, count, total in totals],
            )
        con.execute("DELETE FROM meta.partition_files WHERE source = ? AND period = ?", key)
        con.executemany(
            "INSERT INTO meta.partition_files (source, period, file, size, stamp, digest) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [[source, period, f.uri, f.size, f.stamp, delivered.get(f.uri)] for f in files],
        )
        con.execute(
            "INSERT INTO meta.loads VALUES (?, ?, ?, 'loaded', ?, ?, ?, ?, NULL)",
            [load_id, source, period, started, utc_now(), len(files), rows],
        )
        on_step("commit")
    on_step("checkpoint")
    con.execute("CHECKPOINT")
    on_step("done")
    return rows, totals


def _insert_batches(
    con: duckdb.DuckDBPyConnection,
    reader: BillingReader,
    source: str,
    period: str,
    files: list[FileRef],
    counts: dict[str | None, list[int]],
    sums: dict[str | None, Decimal],
) -> int:
    columns = ", ".join(COLUMN_NAMES)
    select = ", ".join(f"map_from_entries({c})" if c in MAP_COLUMNS else c for c in COLUMN_NAMES)
    rows = 0
    for raw in reader.iter_batches(period, files):
        lines = reader.normalize(raw.lazy(), source=source, period=period).collect()
        problems = reader.problems(raw, lines)
        if problems:
            raise InputError(problems)
        for code, count, total in reader.control_totals(raw):
            counts.setdefault(code, [0])[0] += count
            sums[code] = sums.get(code, Decimal(0)) + total
        # Scanned by name from this frame (a DuckDB replacement scan), not registered as a view:
        # a view made inside the transaction would keep every batch alive until the commit.
        incoming = lines.to_arrow()  # noqa: F841
        con.execute(f"INSERT INTO marts.cost_lines ({columns}) SELECT {select} FROM incoming")
        rows += lines.height
        del incoming
    return rows


def _record_failure(
    warehouse: Path,
    load_id: str,
    source: str,
    period: str,
    started: datetime,
    files: int,
    problems: list[InputProblem],
) -> None:
    message = redact(str(InputError(problems)))
    with writer(warehouse) as con:
        con.execute(
            "INSERT INTO meta.loads VALUES (?, ?, ?, 'failed', ?, ?, ?, 0, ?)",
            [load_id, source, period, started, utc_now(), files, message],
        )
        record_load_errors(con, load_id, source, period, problems)


def changed_periods(
    discovery: Discovery, source: str, con: duckdb.DuckDBPyConnection
) -> dict[str, str]:
    """Periods whose files differ from their last good load (new, re-delivered or removed files,
    or the same names rewritten with other bytes), with a fingerprint of what is delivered now,
    so a re-delivered closed period is never skipped. ``con`` reads the warehouse's latest state
    (Warehouse.changed_periods opens it)."""
    rows = con.execute(
        "select period, file, size, stamp, digest from meta.partition_files where source = ?",
        [source],
    ).fetchall()
    loaded: dict[str, dict[str, LoadedFile]] = {}
    for period, file, size, stamp, digest in rows:
        loaded.setdefault(period, {})[file] = LoadedFile(file, size, stamp, digest)
    changed = {}
    for period, files in discovery.periods.items():
        was = loaded.get(period, {})
        now = sorted((f.uri, f.size, f.stamp) for f in files)
        same = [(f.uri, f.size, f.stamp) for f in was.values()]
        content: list[str | None] = []
        if now == sorted(same):
            # Same names, sizes and stamps: only the bytes can tell a rewrite (read only here).
            content = [file_digest(f) if was[f.uri].digest else None for f in files]
            if all(c == was[f.uri].digest for c, f in zip(content, files, strict=True)):
                continue
        changed[period] = hashlib.sha256(repr((now, content)).encode()).hexdigest()[:16]
    return changed
