"""reports/spend_report: the HTML page ``aispend report`` writes, for the latest period."""

from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from aispend.config import AispendConfig
from aispend.report.build import NothingToReport, write_report

REPORT_KEY = AssetKey(["reports", "spend_report"])


def report_asset(config: AispendConfig, deps: Sequence[AssetKey]) -> AssetsDefinition:
    out = config.warehouse_path.with_name("report.html")

    @asset(
        key=REPORT_KEY,
        deps=list(deps),
        group_name="reports",
        kinds={"html"},
        description="One self-contained HTML page for the latest billing period: daily spend "
        "with budgets and forecast, top runs, idle waste, savings, freshness.",
    )
    def _report(context: AssetExecutionContext) -> MaterializeResult[Any]:
        try:
            period = write_report(config, out)
        except NothingToReport as exc:
            context.log.info(str(exc))
            return MaterializeResult(metadata={"period": "none"})
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(out)),
                "period": period,
                "bytes": out.stat().st_size,
            }
        )

    return _report
