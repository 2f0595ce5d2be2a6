"""Checks that run after each load of a billing source: the SQL checks with a $source
parameter (sql/checks) and the bill-vs-export check, and how any SQL check runs."""

from collections.abc import Callable, Mapping
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from aispend.config import AispendConfig, SourceConfig
from aispend.export_totals import export_mismatches
from aispend.redact import redact
from aispend.storage import open_warehouse
from dbt_like import CheckResult, SqlNode
from pipelines.billing.assets import source_key


def build_source_checks(
    config: AispendConfig, source: SourceConfig, checks: list[SqlNode]
) -> list[AssetChecksDefinition]:
    return [_source_check(config, source, check) for check in checks] + [
        _export_check(config, source)
    ]


def _export_check(config: AispendConfig, source: SourceConfig) -> AssetChecksDefinition:
    @asset_check(
        asset=source_key(source),
        name="export_totals",
        description="Billed cost per period equals the sum read straight from the export files "
        "it was loaded from (readers of its own, not the loader's), to the cent; a "
        "period whose files changed since its load is listed, not compared.",
        blocking=True,
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        return failed_if_raises(lambda: _export_result(config, source, loaded_period(context)))

    return _check


def loaded_period(context: AssetCheckExecutionContext) -> str | None:
    """The billing period this run loaded; None (every period) for a run of a range or of no
    partition. Checking only the loaded period keeps a check's cost flat as history grows and
    keeps it from reading a period that a parallel load is swapping in, table by table, in a
    parquet store."""
    return context.partition_key if context.has_partition_key else None


def _export_result(
    config: AispendConfig, source: SourceConfig, period: str | None
) -> AssetCheckResult:
    outcome = export_mismatches(config, source, period)
    return AssetCheckResult(
        passed=not outcome.mismatches,
        metadata={
            "periods_compared": len(outcome.compared),
            "failing_rows": len(outcome.mismatches),
            "mismatches": MetadataValue.json(
                [
                    {"period": m.period, "loaded": str(m.loaded), "in_files": str(m.in_files)}
                    for m in outcome.mismatches
                ]
            ),
            # Restated (rewritten) since their load: compared when they are next loaded.
            "changed_since_load_not_compared": MetadataValue.json(outcome.changed),
        },
    )


def _source_check(
    config: AispendConfig, source: SourceConfig, check: SqlNode
) -> AssetChecksDefinition:
    """Runs after each load of the source, on the period loaded (``$period``; every period
    when the run has no single partition)."""

    @asset_check(
        asset=source_key(source),
        name=check.name,
        description=check.description,
        blocking=check.severity == "error",
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        params = {"source": source.name, "period": loaded_period(context)}
        return failed_if_raises(lambda: check_result(run_sql_check(config, check, params)))

    return _check


def run_sql_check(config: AispendConfig, check: SqlNode, params: Mapping[str, Any]) -> CheckResult:
    """On whatever holds the warehouse (see Warehouse.run_check)."""
    return open_warehouse(config).run_check(check, params)


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


def failed_if_raises(evaluate: Callable[[], AssetCheckResult]) -> AssetCheckResult:
    """A check that cannot run is a failed check, with its reason, never a step that vanishes
    from the run's tally (a crashed check would otherwise count neither passed nor failed)."""
    try:
        return evaluate()
    except Exception as exc:  # noqa: BLE001 - any failure to check is a failed check
        reason = redact(f"could not run: {type(exc).__name__}: {exc}").splitlines()[0]
        return AssetCheckResult(
            passed=False,
            metadata={"failing_rows": 1, "sample": MetadataValue.json([{"error": reason}])},
        )
