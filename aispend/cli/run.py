"""``aispend run``: materialize the same Dagster graph in-process, period by period, with progress.

Without periods it loads every (source, period) whose delivery changed since its last good load
(on a new warehouse: everything, the first backfill) and the telemetry days whose content
changed (aispend/cli/run_telemetry.py). Each partition succeeds or fails on its own; the SQL
models are rebuilt once at the end, or not at all when nothing was loaded and they were built
from the same inputs (aispend/model_inputs.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

from dagster import AssetSelection

from aispend.billing_load import discover
from aispend.cli.run_steps import (
    SOURCE_FAILURES,
    Echo,
    RunSummary,
    failures_by_asset,
    materialize_assets,
    reason,
    report_checks,
)
from aispend.cli.run_telemetry import load_telemetry
from aispend.config import AispendConfig, SourceConfig
from aispend.model_inputs import last_build, model_inputs
from aispend.progress import Progress
from aispend.storage import Warehouse, open_warehouse
from connectors.discovery import Discovery
from pipelines.billing.assets import source_key
from pipelines.definitions import (
    Graph,
    billing_sources,
    build_graph,
    telemetry_sources,
)
from pipelines.models.specs import FULL_REFRESH_TAG


def run_pipeline(
    config: AispendConfig,
    periods: list[str] | None,
    echo: Echo,
    progress: bool | None = None,
    full_refresh: bool = False,
) -> RunSummary:
    """Load what changed since the last load (``periods``: those, whatever changed;
    ``full_refresh``: everything), then rebuild the models unless nothing changed; ``progress``
    draws a bar on stderr (default: when stderr is a terminal)."""
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
            echo(f"  {source.name}: FAILED, nothing loaded from it: {reason(exc)}")
            summary.failed.append(source.name)
    for name, discovery in found.items():
        for problem in discovery.unplaced:
            echo(f"  {name}: FAILED, cannot place a file in a billing period: {problem}")
        if discovery.unplaced:  # it may hold rows of any period: never a quiet success
            summary.failed.append(f"{name} (unplaced files)")
    changed = None if periods or full_refresh else _changed(warehouse, found, echo, summary)
    held = sorted({p for d in found.values() for p in d.periods})
    wanted = periods or (held if changed is None else sorted(set().union(*changed.values())))
    if not held and not periods:
        echo("No billing periods found in the configured sources.")
    elif changed is not None:
        same = sum(len(d.periods) for d in found.values()) - sum(map(len, changed.values()))
        echo(
            f"Billing: {sum(map(len, changed.values()))} (source, period) partition(s) new or "
            f"changed since their last load; {same} unchanged, not reloaded "
            "(--full-refresh reloads them)."
        )
    graph = build_graph(config)
    telemetry = telemetry_sources(config)
    bar = Progress(len(wanted) + len(telemetry) + 1, enabled=progress)
    echo = bar.wrap(echo)
    plan = [
        (
            period,
            [
                s
                for s in sources
                if periods
                or (
                    period in found[s.name].periods
                    and (changed is None or period in changed.get(s.name, ()))
                )
            ],
        )
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
        load_telemetry(config, graph, source, echo, summary, full_refresh)
        bar.advance()
    if not summary.loaded and not full_refresh and _models_current(config, warehouse):
        bar.close()
        echo(
            "Nothing new since the last run: no partition loaded, and the models were built "
            "from these inputs; models and checks not rebuilt (--full-refresh rebuilds them)."
        )
        return summary
    echo("Rebuilding SQL models and running their checks ...")
    bar.step("models and checks")
    started = time.monotonic()
    model_keys = [key for a in graph.model_assets for key in a.keys]
    with warehouse.latest() as con:
        inputs = model_inputs(config, con)  # before the build: a load during it is not in it
    result = materialize_assets(
        graph,
        AssetSelection.assets(*model_keys),
        None,
        tags={FULL_REFRESH_TAG: str(full_refresh).lower()},
    )
    echo(f"  models and checks took {time.monotonic() - started:.1f} s")
    bar.advance()
    bar.close()
    model_failures = failures_by_asset(result)
    for key, failure in model_failures.items():
        echo(f"  {key.to_user_string().replace('/', '.')}: FAILED: {failure}")
        summary.failed.append(key.to_user_string())
    built = {e.materialization.asset_key for e in result.get_asset_materialization_events()}
    if not model_failures and built >= set(model_keys):
        # every model built (a blocking check stops the ones after it without failing them)
        warehouse.record_model_build(inputs)
    report_checks(result, echo, summary)
    kept = []
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        name = event.materialization.asset_key.to_user_string().replace("/", ".")
        how = str(getattr(metadata.get("build"), "value", "whole"))
        rows = metadata.get("rows")
        if how == "kept":
            kept.append(name)
        elif rows is not None:
            tail = f" (rebuilt {how})" if how.startswith("from ") else ""
            echo(f"  {name}: {rows.value} rows{tail}")
    if kept:
        echo(f"  kept, their inputs unchanged since the last build: {', '.join(kept)}")
    return summary


def _changed(
    warehouse: Warehouse, found: dict[str, Discovery], echo: Echo, summary: RunSummary
) -> dict[str, set[str]]:
    """Per source, the periods whose delivery differs from their last good load (the rule the
    Dagster sensor follows: aispend/billing_load.changed_periods)."""
    out: dict[str, set[str]] = {}
    for name, discovery in found.items():
        try:
            out[name] = set(warehouse.changed_periods(discovery, name))
        except SOURCE_FAILURES as exc:
            echo(f"  {name}: FAILED, cannot compare with its last load: {reason(exc)}")
            summary.failed.append(name)
    return out


def _models_current(config: AispendConfig, warehouse: Warehouse) -> bool:
    with warehouse.latest() as con:
        build = last_build(con)
        return build is not None and build.fingerprint == model_inputs(config, con)


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
    result = materialize_assets(graph, AssetSelection.assets(*keys), period)
    took = f"{time.monotonic() - started:.1f} s"
    done = {e.asset_key: e for e in result.get_asset_materialization_events()}
    failures = failures_by_asset(result)
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
    report_checks(result, echo, summary)


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
