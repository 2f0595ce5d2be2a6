"""The shape every billing pipeline shares: one asset per source, partitioned by billing period.

Each materialization replaces one (source, period) partition through aispend.billing_load; a bad
input fails that partition (Dagster marks it failed) with the file, row and column in the message,
and its checks (sql/checks with a $source parameter) run right after it.
"""

from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputError
from aispend.redact import redact
from aispend.storage import open_warehouse
from pipelines.partitions import billing_periods

WRITER_POOL = "duckdb_writer"


def source_key(source: SourceConfig) -> AssetKey:
    return AssetKey(["billing", source.name])


def build_billing_asset(config: AispendConfig, source: SourceConfig) -> AssetsDefinition:
    """The one factory for every billing source kind: what differs between kinds is their
    connector (connectors/registry.py), not their asset."""
    description = (
        f"{source.source_kind.reads} at {source.path}, one billing period per "
        "partition, into marts.cost_lines."
    )

    @asset(
        key=source_key(source),
        partitions_def=billing_periods,
        group_name="billing",
        kinds={"duckdb", "polars", source.kind},
        description=description,
        metadata={"path": source.path, "writes": "marts.cost_lines"},
        pool=writer_pool(config),
    )
    def _load(context: AssetExecutionContext) -> MaterializeResult[Any]:
        period = context.partition_key
        try:
            result = open_warehouse(config).load_billing(source, period)
        except InputError as exc:
            raise Failure(
                description=redact(f"{source.name} {period} not loaded (kept as it was): {exc}"),
                metadata={"problems": MetadataValue.json([redact(str(p)) for p in exc.problems])},
            ) from exc
        context.log.info(f"{source.name} {period}: {result.status}, {result.rows} rows")
        return MaterializeResult(
            metadata={
                "status": result.status,
                "rows": result.rows,
                "files": result.files,
                **{
                    f"billed_cost_{code or 'none'}": str(v)
                    for code, v in result.billed_by_currency.items()
                },
            }
        )

    return _load


def writer_pool(config: AispendConfig) -> str | None:
    """The DuckDB file takes one writer at a time; a parquet store one per partition."""
    return None if open_warehouse(config).parallel_loads else WRITER_POOL
