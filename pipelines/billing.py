"""The shape every billing pipeline shares: one asset per source, partitioned by billing period.

Each materialization replaces one (source, period) partition through aispend.billing_load; a bad
input fails that partition (Dagster marks it failed) with the file, row and column in the message,
and its checks (sql/checks with a $source parameter) run right after it.
"""


from collections.abc import Callable, Mapping
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from aispend.billing_load import load_billing_partition
from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputError
from aispend.export_totals import export_mismatches
from aispend.store.loads import load_billing_to_store
from dbt_like import CheckResult, SqlNode, run_check
from pipelines.partitions import billing_periods
from pipelines.resources import WarehouseResource

WRITER_POOL = "duckdb_writer"


def source_key(source: SourceConfig) -> AssetKey:
    return AssetKey(["billing", source.name])


def build_billing_asset(config: AispendConfig, source: SourceConfig, description: str
                        ) -> AssetsDefinition:
    @asset(
        key=source_key(source),
        partitions_def=billing_periods,
        group_name="billing",
        kinds={"duckdb", "polars", source.kind},
        description=description,
        metadata={"path": source.path, "writes": "marts.cost_lines"},
        pool=writer_pool(config),
    )
    def _load(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
        period = context.partition_key
        try:
            if config.store_uri:
                result = load_billing_to_store(config, source, period)
            else:
                result = load_billing_partition(config, source, period, warehouse=warehouse.file)
        except InputError as exc:
            raise Failure(
                description=f"{source.name} {period} not loaded (kept as it was): {exc}",
                metadata={"problems": MetadataValue.json([str(p) for p in exc.problems])},
            ) from exc
        context.log.info(f"{source.name} {period}: {result.status}, {result.rows} rows")
        return MaterializeResult(metadata={
            "status": result.status,
            "rows": result.rows,
            "files": result.files,
            **{f"billed_cost_{code or 'none'}": str(v)
               for code, v in result.billed_by_currency.items()},
        })

    return _load


def writer_pool(config: AispendConfig) -> str | None:
    """The DuckDB file takes one writer at a time; a parquet store one per partition."""
    return None if config.store_uri else WRITER_POOL


def build_source_checks(config: AispendConfig, source: SourceConfig, checks: list[SqlNode]
                        ) -> list[AssetChecksDefinition]:
    return [_source_check(config, source, check) for check in checks] + [
        _export_check(config, source)]


def _export_check(config: AispendConfig, source: SourceConfig) -> AssetChecksDefinition:
    @asset_check(
        asset=source_key(source),
        name="export_totals",
        description="Billed cost per period equals the sum read straight from the export files "
                    "it was loaded from (readers of its own, not the loader's), to the cent; a "
                    "period whose files changed since its load is listed, not compared.",
        blocking=True,
    )
    def _check(warehouse: WarehouseResource) -> AssetCheckResult:
        outcome = export_mismatches(config, source, warehouse.file)
        return AssetCheckResult(
            passed=not outcome.mismatches,
            metadata={
                "periods_compared": len(outcome.compared),
                "failing_rows": len(outcome.mismatches),
                "mismatches": MetadataValue.json([
                    {"period": m.period, "loaded": str(m.loaded), "in_files": str(m.in_files)}
                    for m in outcome.mismatches]),
                # Restated (rewritten) since their load: compared when they are next loaded.
                "changed_since_load_not_compared": MetadataValue.json(outcome.changed),
            },
        )

    return _check


def _source_check(config: AispendConfig, source: SourceConfig, check: SqlNode
                  ) -> AssetChecksDefinition:
    """Runs after each load of the source; it checks all the source's periods, which costs
    little and catches damage anywhere in the source's rows, not only in the new partition."""

    @asset_check(
        asset=source_key(source),
        name=check.name,
        description=check.description,
        blocking=check.severity == "error",
    )
    def _check(warehouse: WarehouseResource) -> AssetCheckResult:
        return check_result(run_sql_check(config, warehouse, check, {"source": source.name}))

    return _check


def run_sql_check(config: AispendConfig, warehouse: WarehouseResource, check: SqlNode,
                  params: Mapping[str, Any]) -> CheckResult:
    """On the DuckDB file, or with DuckDB over the store. A source's checks run beside its load,
    which is DuckDB's work whatever the engine, and read only that source's partitions; with
    ``engine: spark`` the models' own checks run inside the models' step, on Spark."""
    if config.store_uri:
        from aispend.store.engines import open_engine

        engine = open_engine(config.model_copy(update={"engine": "duckdb"}))
        engine.refresh(sorted(check.refs))
        return engine.run_check(check, params)
    with warehouse.connect(publish=False) as con:
        return run_check(con, check, params)


def check_result(outcome: CheckResult, **target: Any) -> AssetCheckResult:
    """``target``: ``asset_key`` and ``check_name``, where one step yields several checks."""
    severity = AssetCheckSeverity.ERROR if outcome.severity == "error" else AssetCheckSeverity.WARN
    return AssetCheckResult(
        **target,
        passed=outcome.passed,
        severity=severity,
        metadata={
            "failing_rows": outcome.failures,
            "sample": MetadataValue.json(
                [dict(zip(outcome.columns, map(str, row), strict=True)) for row in outcome.sample]
            ),
        },
    )


BillingAssetBuilder = Callable[[AispendConfig, SourceConfig], AssetsDefinition]
