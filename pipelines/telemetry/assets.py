"""One asset per telemetry source, partitioned by UTC day; a backfill of many days is one run.

Within a run the source's files are parsed once and each day present in the range is replaced
whole; days without data in the range are left as they are.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    asset,
)

from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputProblem
from aispend.store.loads import load_telemetry_to_store
from aispend.telemetry_load import (
    load_telemetry_day,
    record_unreadable,
    stage,
    telemetry_days,
)
from pipelines.billing.assets import writer_pool
from pipelines.partitions import telemetry_days as daily
from pipelines.resources import WarehouseResource


def telemetry_key(source: SourceConfig) -> AssetKey:
    return AssetKey(["telemetry", source.name])


def telemetry_asset(config: AispendConfig, source: SourceConfig) -> AssetsDefinition:
    writes = ", ".join(source.source_kind.writes)

    @asset(
        key=telemetry_key(source),
        partitions_def=daily,
        backfill_policy=BackfillPolicy.single_run(),
        group_name="telemetry",
        kinds={"duckdb", "polars", source.kind},
        description=f"{source.source_kind.reads} at {source.path}, by UTC day, into {writes}.",
        metadata={"path": source.path, "writes": writes},
        pool=writer_pool(config),
    )
    def _load(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        if config.store_uri:
            loaded = load_telemetry_to_store(config, source, set(context.partition_keys))
            _fail_on_unreadable(source, loaded[0].unreadable if loaded else [])
            return MaterializeResult(metadata={
                "days": len(loaded), "samples": sum(r.samples for r in loaded),
                "jobs": sum(r.jobs for r in loaded),
                "skipped_lines": max((r.skipped for r in loaded), default=0)})
        staged = stage(config, source, warehouse.file)
        wanted = set(context.partition_keys)
        results = [load_telemetry_day(config, source, day, warehouse=warehouse.file,
                                      staged=staged)
                   for day in telemetry_days(staged) if day in wanted]
        record_unreadable(source, staged, warehouse.file)
        _fail_on_unreadable(source, staged.batch.unreadable)
        skipped = len(staged.batch.skipped)
        if skipped:
            context.log.warning(f"{source.name}: skipped {skipped} unreadable line(s); "
                                "see `aispend status`")
        return MaterializeResult(metadata={
            "days": len(results), "samples": sum(r.samples for r in results),
            "jobs": sum(r.jobs for r in results), "skipped_lines": skipped})

    return _load


def _fail_on_unreadable(source: SourceConfig, problems: list[InputProblem]) -> None:
    """After the readable days are loaded: a file that could not be read at all fails the
    source's step, naming it, so the run exits non-zero instead of reporting "no telemetry"."""
    if problems:
        more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
        raise Failure(description=f"{problems[0]}{more}; the readable files were loaded")
