"""The one place that assembles Definitions: assets, checks, the job, the schedule, the resource.

Everything is built from an aispend config, so ``dagster dev -m pipelines`` and ``aispend run``
materialize the same graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    define_asset_job,
    in_process_executor,
    multiprocess_executor,
    schedule,
    sensor,
)

from aispend import billing_load
from aispend.config import AispendConfig, SourceConfig
from aispend.config_tables import CONFIG_TABLES
from aispend.periods import open_periods
from aispend.sql_models import SQL_DIR, model_params
from aispend.storage import open_warehouse
from dbt_like import discover
from pipelines.billing.assets import build_billing_asset, source_key
from pipelines.billing.checks import build_source_checks
from pipelines.budgets.assets import budget_asset
from pipelines.config_tables.assets import config_tables_asset, table_key
from pipelines.models.assets import (
    COST_LINES,
    build_model_assets,
    build_model_checks,
    per_source_checks,
)
from pipelines.models.specs import model_key
from pipelines.partitions import billing_periods, telemetry_days
from pipelines.report.assets import report_asset
from pipelines.snapshot.assets import SNAPSHOT_KEY, snapshot_asset
from pipelines.telemetry.assets import telemetry_asset, telemetry_key

LOAD_JOB = "nightly_load"


def billing_sources(config: AispendConfig) -> list[SourceConfig]:
    return [s for s in config.sources if s.enabled and s.is_billing]


def telemetry_sources(config: AispendConfig) -> list[SourceConfig]:
    return [s for s in config.sources if s.enabled and not s.is_billing]


@dataclass
class Graph:
    """The assets and checks built from one config (they reach the warehouse through
    aispend.storage, chosen by the config, not through a Dagster resource)."""

    source_assets: list[AssetsDefinition]
    telemetry_assets: list[AssetsDefinition]
    model_assets: list[AssetsDefinition]
    checks: list[AssetChecksDefinition]

    @property
    def assets(self) -> list[AssetsDefinition]:
        return [*self.source_assets, *self.telemetry_assets, *self.model_assets]


def build_graph(config: AispendConfig, sql_dir: Path = SQL_DIR) -> Graph:
    warehouse = open_warehouse(config)
    project = discover(sql_dir)
    sources = billing_sources(config)
    source_checks = [
        check
        for s in sources
        for check in build_source_checks(config, s, per_source_checks(project))
    ]
    telemetry = telemetry_sources(config)
    # Which assets fill each table the models read: a model waits for all of them.
    loaders: dict[str, list[AssetKey]] = {
        COST_LINES: [source_key(s) for s in sources],
        **{table: [table_key(table)] for table in CONFIG_TABLES},
    }
    for source in telemetry:
        for table in source.source_kind.writes:
            loaders.setdefault(table, []).append(telemetry_key(source))
    params = model_params(config)
    models = [config_tables_asset(config), *build_model_assets(config, project, loaders, params)]
    source_assets = [build_billing_asset(config, s) for s in sources]
    telemetry_assets = [telemetry_asset(config, s) for s in telemetry]
    # money and GPU-hour budgets read the bills; energy and CO2e budgets read marts.energy
    models.append(budget_asset(config, [*loaders[COST_LINES], model_key("marts.energy")]))
    report = report_asset(config, [k for a in models for k in a.keys])
    models.append(report)
    if not warehouse.parallel_loads:  # a store has no readers' copy: partitions swap in whole
        everything = [k for a in [*source_assets, *telemetry_assets, *models] for k in a.keys]
        models.append(snapshot_asset(config, everything))
    return Graph(
        source_assets=source_assets,
        telemetry_assets=telemetry_assets,
        model_assets=models,
        checks=[*source_checks, *build_model_checks(config, project, params)],
    )


def build_definitions(config: AispendConfig, sql_dir: Path = SQL_DIR) -> Definitions:
    graph = build_graph(config, sql_dir)
    warehouse = open_warehouse(config)

    load_job = define_asset_job(
        LOAD_JOB,
        selection=AssetSelection.all() - AssetSelection.groups("telemetry"),
        partitions_def=billing_periods,
        description="Load one billing period from every source, then rebuild the models "
        "and run their checks.",
    )

    @schedule(
        cron_schedule="0 2 * * *",
        job=load_job,
        execution_timezone="UTC",
        description="Nightly: reload the open billing periods (previous and current month).",
    )
    def nightly(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        day = context.scheduled_execution_time.date()
        for period in open_periods(day):
            yield RunRequest(run_key=f"{period}@{day.isoformat()}", partition_key=period)

    @sensor(
        job=load_job,
        minimum_interval_seconds=3600,
        description="Reload any billing period whose files were re-delivered or are new, "
        "closed periods included.",
    )
    def redelivered_periods(context: SensorEvaluationContext) -> Iterator[RunRequest]:
        for source in billing_sources(config):
            found = billing_load.discover(config, source)
            for period, fingerprint in warehouse.changed_periods(found, source.name).items():
                context.log.info(f"{source.name} {period}: files changed since the last load")
                yield RunRequest(
                    run_key=f"{source.name}:{period}:{fingerprint}", partition_key=period
                )

    telemetry_job = define_asset_job(
        "nightly_telemetry",
        selection=AssetSelection.groups("telemetry")
        | (
            AssetSelection.groups("telemetry")
            if warehouse.parallel_loads
            else AssetSelection.assets(SNAPSHOT_KEY)
        ),
        partitions_def=telemetry_days,
        description="Load one UTC day of GPU telemetry and scheduler logs from every source.",
    )

    @schedule(
        cron_schedule="30 1 * * *",
        job=telemetry_job,
        execution_timezone="UTC",
        description="Nightly: reload yesterday's and today's telemetry (UTC days).",
    )
    def nightly_telemetry(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        day = context.scheduled_execution_time.date()
        for when in (day - timedelta(days=1), day):
            yield RunRequest(
                run_key=f"{when.isoformat()}@{day.isoformat()}", partition_key=when.isoformat()
            )

    return Definitions(
        assets=graph.assets,
        asset_checks=graph.checks,
        jobs=[load_job, telemetry_job],
        schedules=[nightly, nightly_telemetry],
        sensors=[redelivered_periods],
        # A parquet store has no single writer: partitions load in parallel processes.
        executor=multiprocess_executor if warehouse.parallel_loads else in_process_executor,
    )
