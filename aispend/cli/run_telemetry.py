"""``aispend run``'s telemetry step: each source's files parsed once, and only the UTC days
whose content changed since their last load replaced (every day with ``--full-refresh``)."""

from __future__ import annotations

import time
from datetime import date, timedelta

from dagster import AssetSelection

from aispend.cli.run_steps import (
    SOURCE_FAILURES,
    Echo,
    RunSummary,
    failures_by_asset,
    materialize_assets,
    reason,
)
from aispend.config import AispendConfig, SourceConfig
from aispend.redact import redact
from aispend.storage import Warehouse, open_warehouse
from aispend.telemetry_archive import settings_digest
from aispend.telemetry_load import Staged, changed_days, stage
from aispend.telemetry_load import telemetry_days as telemetry_day_keys
from connectors.discovery import Discovery
from connectors.files import FileRef, filesystem_for
from pipelines.definitions import Graph
from pipelines.telemetry.assets import CHANGED_ONLY_TAG, telemetry_key

#: meta.partition_files' period for the files a telemetry source's last clean load read.
FILES_READ = "telemetry-files"
ONE_DAY = timedelta(days=1)


def load_telemetry(
    config: AispendConfig,
    graph: Graph,
    source: SourceConfig,
    echo: Echo,
    summary: RunSummary,
    full_refresh: bool,
) -> None:
    """The days whose content changed since their last load (every day with
    ``full_refresh``), in one run (a single-run backfill over their range)."""
    echo(f"telemetry {source.name} ({source.kind}) ...")
    warehouse = open_warehouse(config)
    try:
        read = files_read(config, source)
        if not full_refresh and not warehouse.changed_periods(
            Discovery(periods={FILES_READ: read}), source.name
        ):
            echo(
                f"  {source.name}: no file new or changed since its last clean load "
                f"({len(read) - 1} file(s)); nothing parsed"
            )
            return
        parsing = time.monotonic()
        staged = stage(config, source)
        echo(
            f"  {source.name}: parsed {staged.parsed} new or changed file(s), "
            f"{staged.reused} unchanged reused ({time.monotonic() - parsing:.1f} s)"
        )
    except SOURCE_FAILURES as exc:
        echo(f"  {source.name}: FAILED, nothing loaded from it: {reason(exc)}")
        summary.failed.append(source.name)
        return
    days = telemetry_day_keys(staged)
    if not days:
        if not fail_on_unreadable(warehouse, source, staged, echo, summary):
            echo(f"  {source.name}: no telemetry found")
        return
    held = len(days)
    if not full_refresh:
        known = warehouse.telemetry_fingerprints(source.name)
        days = changed_days(staged, known, days)
        if not days:
            echo(f"  {source.name}: no day new or changed since its last load")
            # the asset that would have failed on them does not run: a new file that cannot
            # be read still fails the source, naming it
            fail_on_unreadable(warehouse, source, staged, echo, summary)
            fail_on_skipped(source, staged, echo, summary)
            return
    started = time.monotonic()
    totals: dict[str, int] = {}
    failure: str | None = None
    # a run per block of consecutive days: Dagster records an event for every day of a run's
    # range, and a late file for a day two years back must not mark the two years between
    for block in [days] if full_refresh else consecutive_blocks(days):
        result = materialize_assets(
            graph,
            AssetSelection.assets(telemetry_key(source)),
            None,
            tags={
                "dagster/asset_partition_range_start": block[0],
                "dagster/asset_partition_range_end": block[-1],
                CHANGED_ONLY_TAG: str(not full_refresh).lower(),
            },
        )
        events = result.get_asset_materialization_events()
        if not events:  # its readable days loaded; the other blocks still load
            failure = failure or failures_by_asset(result).get(telemetry_key(source), "see logs")
            continue
        for key, value in events[0].materialization.metadata.items():
            if key in ("days", "samples", "jobs"):  # per block: they add up
                totals[key] = totals.get(key, 0) + int(str(value.value))
            elif key == "skipped_lines":  # the source's, whichever block says it
                totals[key] = int(str(value.value))
    took = time.monotonic() - started
    if failure is not None:
        echo(f"  {source.name}: FAILED: {failure}")
        summary.failed.append(source.name)
        return
    meta = totals
    unchanged = held - len(days)
    echo(
        f"  {source.name}: {meta.get('days')} day(s), {meta.get('samples')} GPU samples, "
        f"{meta.get('jobs')} jobs; {meta.get('skipped_lines')} unreadable line(s) skipped"
        + (f"; {unchanged} unchanged day(s) not reloaded" if unchanged else "")
        + f" ({took:.1f} s)"
    )
    summary.loaded.append(source.name)
    fail_on_skipped(source, staged, echo, summary)
    if not staged.batch.skipped and not staged.batch.unreadable:
        warehouse.record_files(source.name, FILES_READ, read)


def consecutive_blocks(days: list[str]) -> list[list[str]]:
    """Sorted ISO days cut into runs of consecutive days."""
    blocks: list[list[str]] = []
    for day in days:
        if blocks and date.fromisoformat(day) - date.fromisoformat(blocks[-1][-1]) == ONE_DAY:
            blocks[-1].append(day)
        else:
            blocks.append([day])
    return blocks


def files_read(config: AispendConfig, source: SourceConfig) -> list[FileRef]:
    """The source's files as a load reads them, and its settings as one more entry: a changed
    time zone or column list changes what the same files say."""
    root = config.source_path(source)
    listed = filesystem_for(root, source.endpoint_url).list(
        root, source.source_kind.suffixes, rotated=True
    )
    settings = settings_digest(config, source)
    return [*listed, FileRef(f"settings:{settings}", 0, settings)]


def fail_on_unreadable(
    warehouse: Warehouse, source: SourceConfig, staged: Staged, echo: Echo, summary: RunSummary
) -> bool:
    """Files that could not be read at all: recorded for `aispend status`, named, and the
    source failed; True if there were any."""
    if not staged.batch.unreadable:
        return False
    warehouse.record_unreadable(source, staged.batch.unreadable)
    for problem in staged.batch.unreadable:
        echo(f"  {source.name}: FAILED: {problem}")
    summary.failed.append(source.name)
    return True


def fail_on_skipped(source: SourceConfig, staged: Staged, echo: Echo, summary: RunSummary) -> None:
    if staged.batch.skipped:
        # The readable lines loaded; a line lost is still data lost, so the run says where and
        # fails (the whole list is in `aispend status`).
        first = staged.batch.skipped[0]
        more = len(staged.batch.skipped) - 1
        echo(
            f"  {source.name}: FAILED lines: {redact(str(first))}"
            + (f" (and {more} more; see `aispend status`)" if more else "")
        )
        summary.failed.append(f"{source.name} (unreadable lines)")
