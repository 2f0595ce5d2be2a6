"""marts.budget_status: every budget evaluated after the loads, alerts sent once, failures loud."""

from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    asset,
)

from aispend.alerts import check_budgets
from aispend.config import AispendConfig
from pipelines.billing.assets import writer_pool


def budget_asset(config: AispendConfig, loaders: Sequence[AssetKey]) -> AssetsDefinition:
    @asset(
        key=AssetKey(["marts", "budget_status"]),
        deps=list(loaders),
        group_name="budgets",
        kinds={"duckdb"},
        description="Each budget's actual and forecast spend in its current period (history "
        "kept), and its threshold alerts, sent once per budget, threshold and period.",
        pool=writer_pool(config),
    )
    def _budgets(context: AssetExecutionContext) -> MaterializeResult[Any]:
        report = check_budgets(config)
        for line in report.sent:
            context.log.info(f"alert sent: {line}")
        if report.errors:
            raise Failure(description="budget check errors: " + "; ".join(report.errors))
        return MaterializeResult(
            metadata={
                "rows": len(report.evaluations),  # rows added to marts.budget_status
                "budgets": len(report.evaluations),
                "alerts_sent": len(report.sent),
                "crossed": ", ".join(
                    f"{e.budget.name}: {t.percent:g}% {t.on}"
                    for e in report.evaluations
                    for t in e.crossed
                )
                or "none",
            }
        )

    return _budgets
