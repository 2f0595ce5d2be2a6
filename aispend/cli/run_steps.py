"""The pieces every step of ``aispend run`` shares: its summary, the Dagster call that
materializes a selection in-process, and how failures and checks are reported in one line each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

from aispend.errors import InputError, InputProblemError
from aispend.redact import redact
from pipelines.definitions import Graph

Echo = Callable[[str], None]
#: What listing a source can raise (a missing path, a bucket that cannot be read, a file whose
#: period cannot be told): that source fails alone and the others load.
SOURCE_FAILURES = (OSError, ValueError, InputError, InputProblemError, BotoCoreError, ClientError)
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RunSummary:
    loaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    passed_checks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.failed_checks


def reason(exc: BaseException) -> str:
    text = redact(str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def materialize_assets(
    graph: Graph, selection: AssetSelection, period: str | None, tags: dict[str, str] | None = None
) -> ExecuteInProcessResult:
    return materialize(
        [*graph.assets, *graph.checks],
        selection=selection,
        partition_key=period,
        raise_on_error=False,
        run_config=QUIET,
        tags=tags,
    )


def failures_by_asset(result: ExecuteInProcessResult) -> dict[AssetKey, str]:
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


def report_checks(result: ExecuteInProcessResult, echo: Echo, summary: RunSummary) -> None:
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
        for detail in check_details(evaluation.metadata)[:5]:
            echo(f"    {detail}")
        if warn:
            continue
        summary.failed_checks.append(name)


def check_details(metadata: Mapping[str, Any]) -> list[str]:
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
