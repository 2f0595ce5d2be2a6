"""One asset per telemetry source, partitioned by UTC day; a backfill of many days is one run.

Within a run the source's files are parsed once and each day present in the range is replaced
whole; days without data in the range are left as they are.
"""

from typing import Any

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
from aispend.storage import open_warehouse
from pipelines.billing.assets import writer_pool
from pipelines.partitions import telemetry_days as daily

#: A run tag: "true" loads only the days in the run's range whose content changed since their
#: last load (`aispend run`); without it every day in the range is replaced (schedules).
CHANGED_ONLY_TAG = "aispend/changed_only"


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
    def _load(context: AssetExecutionContext) -> MaterializeResult[Any]:
        changed_only = context.run.tags.get(CHANGED_ONLY_TAG) == "true"
        loaded = open_warehouse(config).load_telemetry(
            source, set(context.partition_keys), changed_only
        )
        _fail_on_unreadable(source, loaded.unreadable)
        if loaded.skipped_lines:
            context.log.warning(
                f"{source.name}: skipped {loaded.skipped_lines} unreadable "
                "line(s); see `aispend status`"
            )
        return MaterializeResult(
            metadata={
                "days": len(loaded.days),
                "samples": sum(r.samples for r in loaded.days),
                "jobs": sum(r.jobs for r in loaded.days),
                "skipped_lines": loaded.skipped_lines,
                "unchanged_days": loaded.unchanged,
            }
        )

    return _load


def _fail_on_unreadable(source: SourceConfig, problems: list[InputProblem]) -> None:
    """After the readable days are loaded: a file that could not be read at all fails the
    source's step, naming it, so the run exits non-zero instead of reporting "no telemetry"."""
    if problems:
        more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
        raise Failure(description=f"{problems[0]}{more}; the readable files were loaded")
