"""``aispend run``: materialize the same Dagster graph in-process, period by period, with progress.

Without periods it loads every period the sources hold (the first backfill). Each (source, period)
partition succeeds or fails on its own; the SQL models are rebuilt once at the end.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterEventType,
    ExecuteInProcessResult,
    materialize,
)

from aispend.billing_load import discover
from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputError, InputProblemError
from aispend.progress import Progress
from aispend.redact import redact
from aispend.storage import open_warehouse
from aispend.telemetry_load import stage
from aispend.telemetry_load import telemetry_days as telemetry_day_keys
from connectors.discovery import Discovery
from pipelines.billing.assets import source_key
from pipelines.definitions import (
    Graph,
    billing_sources,
    build_graph,
    telemetry_sources,
)
from pipelines.telemetry.assets import telemetry_key

Echo = Callable[[str], None]
#: What listing a source can raise (a missing path, a bucket that cannot be read, a file whose
#: period cannot be told): that source fails alone and the others load.
SOURCE_FAILURES = (OSError, ValueError, InputError, InputProblemError, BotoCoreError, ClientError)
_QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RunSummary:
    loaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    passed_checks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.failed_checks


def run_pipeline(
    config: AispendConfig, periods: list[str] | None, echo: Echo, progress: bool | None = None
) -> RunSummary:
    """Load, then rebuild the models; ``progress`` draws a bar on stderr (default: when stderr
    is a terminal)."""
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    summary = RunSummary()
    warehouse = open_warehouse(config)
    swept = warehouse.sweep()
    if swept:
        echo(f"  removed {swept} file(s) that interrupted loads left in the store's _staging/")
    sources, found = [], {}
    for source in billing_sources(config):
        try:
            found[source.name] = discover(config, source)
            sources.append(source)
        except SOURCE_FAILURES as exc:
            echo(f"  {source.name}: FAILED, nothing loaded from it: {_reason(exc)}")
            summary.failed.append(source.name)
    for name, discovery in found.items():
        for problem in discovery.unplaced:
            echo(f"  {name}: FAILED, cannot place a file in a billing period: {problem}")
        if discovery.unplaced:  # it may hold rows of any period: never a quiet success
            summary.failed.append(f"{name} (unplaced files)")
    wanted = periods or sorted({p for d in found.values() for p in d.periods})
    if not wanted:
        echo("No billing periods found in the configured sources.")
    graph = build_graph(config)
    telemetry = telemetry_sources(config)
    bar = Progress(len(wanted) + len(telemetry) + 1, enabled=progress)
    echo = bar.wrap(echo)
    plan = [
        (period, [s for s in sources if periods or period in found[s.name].periods])
        for period in wanted
    ]
    if warehouse.parallel_loads and len(plan) > 1:
        _load_in_parallel(config, plan, found, echo, summary, bar)
    else:
        for index, (period, targets) in enumerate(plan, start=1):
            echo(
                f"[{index}/{len(wanted)}] period {period}: "
                f"{', '.join(s.name for s in targets) or 'no source has it'}"
            )
            bar.step(f"period {period}")
            if targets:
                _load_period(graph, targets, period, found, echo, summary)
            bar.advance()
    for source in telemetry:
        bar.step(f"telemetry {source.name}")
        _load_telemetry(config, graph, source, echo, summary)
        bar.advance()
    echo("Rebuilding SQL models and running their checks ...")
    bar.step("models and checks")
    started = time.monotonic()
    models = AssetSelection.assets(*[key for a in graph.model_assets for key in a.keys])
    result = _materialize(graph, models, None)
    echo(f"  models and checks took {time.monotonic() - started:.1f} s")
    bar.advance()
    bar.close()
    for key, failure in _failures_by_asset(result).items():
        echo(f"  {key.to_user_string().replace('/', '.')}: FAILED: {failure}")
        summary.failed.append(key.to_user_string())
    _report_checks(result, echo, summary)
    for event in result.get_asset_materialization_events():
        rows = event.materialization.metadata.get("rows")
        if rows is not None:
            echo(
                f"  {event.materialization.asset_key.to_user_string().replace('/', '.')}: "
                f"{rows.value} rows"
            )
    return summary


def _load_period(
    graph: Graph,
    targets: list[SourceConfig],
    period: str,
    found: dict[str, Discovery],
    echo: Echo,
    summary: RunSummary,
) -> None:
    keys = [source_key(s) for s in targets]
    started = time.monotonic()
    result = _materialize(graph, AssetSelection.assets(*keys), period)
    took = f"{time.monotonic() - started:.1f} s"
    done = {e.asset_key: e for e in result.get_asset_materialization_events()}
    failures = _failures_by_asset(result)
    for source, key in zip(targets, keys, strict=True):
        label = f"{source.name} {period}"
        event = done.get(key)
        if event is not None:
            meta = {k: v.value for k, v in event.materialization.metadata.items()}
            status = meta.get("status")
            if status == "empty":
                echo(f"  {label}: nothing delivered for this period; kept what was loaded")
                continue
            money = ", ".join(
                f"{k.removeprefix('billed_cost_')} {Decimal(str(v)):.2f}"
                for k, v in meta.items()
                if k.startswith("billed_cost_")
            )
            echo(
                f"  {label}: loaded {meta.get('rows')} rows from {meta.get('files')} file(s); "
                f"billed {money} ({took} for the period)"
            )
            summary.loaded.append(label)
        else:
            echo(f"  {label}: FAILED, period kept as it was: {failures.get(key, 'see logs')}")
            summary.failed.append(label)
    _report_checks(result, echo, summary)


def _load_in_parallel(
    config: AispendConfig,
    plan: list[tuple[str, list[SourceConfig]]],
    found: dict[str, Discovery],
    echo: Echo,
    summary: RunSummary,
    bar: Progress,
) -> None:
    """A parquet store has no single writer: every period loads in its own process (spawned,
    not forked: DuckDB's and Dagster's threads do not survive a fork)."""
    workers = max(1, min(os.cpu_count() or 1, len(plan)))
    echo(f"Loading {len(plan)} periods in parallel ({workers} processes) ...")
    bar.step(f"{len(plan)} periods")
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(_load_period_alone, config, period, [s.name for s in targets], found)
            for period, targets in plan
            if targets
        ]
        for index, future in enumerate(futures, start=1):
            lines, part = future.result()
            echo(f"[{index}/{len(futures)}] {lines[0]}")
            for line in lines[1:]:
                echo(line)
            summary.loaded += part.loaded
            summary.failed += part.failed
            summary.failed_checks += part.failed_checks
            summary.passed_checks += part.passed_checks
            bar.advance()


def _load_period_alone(
    config: AispendConfig, period: str, names: list[str], found: dict[str, Discovery]
) -> tuple[list[str], RunSummary]:
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    lines = [f"period {period}: {', '.join(names)}"]
    summary = RunSummary()
    _load_period(
        build_graph(config), [config.source(n) for n in names], period, found, lines.append, summary
    )
    return lines, summary


def _load_telemetry(
    config: AispendConfig, graph: Graph, source: SourceConfig, echo: Echo, summary: RunSummary
) -> None:
    """Every day the source holds, in one run (a single-run backfill over all days)."""
    echo(f"telemetry {source.name} ({source.kind}) ...")
    try:
        staged = stage(config, source)
    except SOURCE_FAILURES as exc:
        echo(f"  {source.name}: FAILED, nothing loaded from it: {_reason(exc)}")
        summary.failed.append(source.name)
        return
    days = telemetry_day_keys(staged)
    if not days:
        if staged.batch.unreadable:
            open_warehouse(config).record_unreadable(source, staged.batch.unreadable)
            for problem in staged.batch.unreadable:
                echo(f"  {source.name}: FAILED: {problem}")
            summary.failed.append(source.name)
        else:
            echo(f"  {source.name}: no telemetry found")
        return
    started = time.monotonic()
    result = _materialize(
        graph,
        AssetSelection.assets(telemetry_key(source)),
        None,
        tags={
            "dagster/asset_partition_range_start": days[0],
            "dagster/asset_partition_range_end": days[-1],
        },
    )
    took = time.monotonic() - started
    events = result.get_asset_materialization_events()
    if not events:
        failure = _failures_by_asset(result).get(telemetry_key(source), "see logs")
        echo(f"  {source.name}: FAILED: {failure}")
        summary.failed.append(source.name)
        return
    meta = {k: v.value for k, v in events[0].materialization.metadata.items()}
    echo(
        f"  {source.name}: {meta.get('days')} day(s), {meta.get('samples')} GPU samples, "
        f"{meta.get('jobs')} jobs; {meta.get('skipped_lines')} unreadable line(s) skipped "
        f"({took:.1f} s)"
    )
    summary.loaded.append(source.name)
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


def _reason(exc: BaseException) -> str:
    text = redact(str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _materialize(
    graph: Graph, selection: AssetSelection, period: str | None, tags: dict[str, str] | None = None
) -> ExecuteInProcessResult:
    return materialize(
        [*graph.assets, *graph.checks],
        selection=selection,
        partition_key=period,
        raise_on_error=False,
        run_config=_QUIET,
        tags=tags,
    )


def _failures_by_asset(result: ExecuteInProcessResult) -> dict[AssetKey, str]:
    out: dict[AssetKey, str] = {}
    for event in result.all_events:
        if event.event_type != DagsterEventType.STEP_FAILURE or event.step_key is None:
            continue
        data = event.step_failure_data
        message = data.user_failure_data.description if data.user_failure_data else None
        error = data.error
        while error is not None and error.cause is not None:
            error = error.cause  # the user's exception, not Dagster's wrapper around it
        message = message or (error.message.strip().splitlines()[0] if error else "unknown error")
        out[AssetKey(event.step_key.split("__"))] = redact(message)
    return out


def _report_checks(result: ExecuteInProcessResult, echo: Echo, summary: RunSummary) -> None:
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            summary.passed_checks += 1
            continue
        rows = evaluation.metadata.get("failing_rows")
        name = f"{'/'.join(evaluation.asset_key.path)}:{evaluation.check_name}"
        # A warn-severity check names what it found and leaves the run's outcome alone.
        warn = evaluation.severity == AssetCheckSeverity.WARN
        label = "CHECK WARNING" if warn else "CHECK FAILED"
        echo(f"  {label} {name}: {rows.value if rows else '?'} offending row(s)")
        for detail in _check_details(evaluation.metadata)[:5]:
            echo(f"    {detail}")
        if warn:
            continue
        summary.failed_checks.append(name)


def _check_details(metadata: Mapping[str, Any]) -> list[str]:
    """The offending rows a check recorded, one line each (period and both totals for the
    bill-vs-export check), so the run names what is wrong without a trip to the UI."""
    for key in ("mismatches", "sample"):
        entry = metadata.get(key)
        value = getattr(entry, "value", None)
        if isinstance(value, list) and value:
            return [
                ", ".join(f"{k} {v}" for k, v in row.items()) if isinstance(row, dict) else str(row)
                for row in value
            ]
    return []
