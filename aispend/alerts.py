"""``aispend budgets check``: evaluate every budget, keep the history, and alert once.

An alert is keyed by (budget, threshold, period, sink): a rerun or a restatement that crosses the
same threshold again sends nothing new. A send that fails stays pending in meta.alerts, is
reported as an error, and is retried on the next evaluation until it is delivered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from aispend.alert_sinks import SinkError, send
from aispend.budget_config import Threshold
from aispend.budgets import BudgetError, Evaluation, evaluate
from aispend.config import AispendConfig
from aispend.storage import open_warehouse
from aispend.warehouse import utc_now
from connectors.cost_model import normalize_tag_key


@dataclass
class BudgetReport:
    evaluations: list[Evaluation] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def check_budgets(
    config: AispendConfig, *, month: str | None = None, as_of: date | None = None
) -> BudgetReport:
    report = BudgetReport()
    if not config.budgets:
        return report
    run_tag = normalize_tag_key(config.runs.run_tag)
    team_tag = normalize_tag_key(config.runs.team_tag)
    with open_warehouse(config).write_session() as con:
        for budget in config.budgets:
            try:
                evaluation = evaluate(
                    con, budget, month=month, as_of=as_of, run_tag=run_tag, team_tag=team_tag
                )
            except BudgetError as exc:
                report.errors.append(str(exc))
                continue
            report.evaluations.append(evaluation)
            _record(con, evaluation)
            for threshold in evaluation.crossed:
                for sink in budget.notify:
                    _raise_alert(con, evaluation, threshold, sink)
        _deliver_pending(con, config, report)
    return report


def threshold_label(threshold: Threshold) -> str:
    return f"{threshold.percent:g}% {threshold.on}"


def message(evaluation: Evaluation, threshold: Threshold) -> dict[str, Any]:
    budget = evaluation.budget
    unit = evaluation.unit_label
    measured = evaluation.actual if threshold.on == "actual" else evaluation.forecast
    text = (
        f"aispend budget {budget.name!r} crossed {threshold_label(threshold)} for "
        f"{evaluation.window.label}: {threshold.on} {measured:,.2f} {unit} of "
        f"{budget.limit:,.2f} {unit} ({evaluation.percent(measured)}%). Actual "
        f"{evaluation.actual:,.2f}, forecast {evaluation.forecast:,.2f} (as of "
        f"{evaluation.as_of}). Top: "
        + "; ".join(
            f"{kind} " + ", ".join(f"{who} {spent:,.2f}" for who, spent in top)
            for kind, top in evaluation.contributors.items()
            if top
        )
    )
    return {
        "subject": f"[aispend] {budget.name}: {threshold_label(threshold)} crossed "
        f"({evaluation.window.label})",
        "text": text,
        "budget": budget.name,
        "scope": budget.scope,
        "period": evaluation.window.label,
        "threshold": {"percent": threshold.percent, "on": threshold.on},
        "unit": budget.unit,
        "currency": evaluation.currency,
        "amount": str(budget.limit),
        "actual": str(evaluation.actual),
        "forecast": str(evaluation.forecast),
        "percent_actual": str(evaluation.percent(evaluation.actual)),
        "percent_forecast": str(evaluation.percent(evaluation.forecast)),
        "as_of": evaluation.as_of.isoformat(),
        "forecast_method": evaluation.explanation,
        "top_contributors": {
            kind: [{"name": who, "value": str(spent)} for who, spent in top]
            for kind, top in evaluation.contributors.items()
        },
    }


def _record(con: duckdb.DuckDBPyConnection, e: Evaluation) -> None:
    con.execute(
        "insert into marts.budget_status values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            utc_now(),
            e.budget.name,
            e.budget.unit,
            e.window.label,
            e.window.start,
            e.window.end,
            e.as_of,
            e.currency,
            e.budget.limit,
            e.actual,
            e.forecast,
            e.percent(e.actual),
            e.percent(e.forecast),
            ", ".join(threshold_label(t) for t in e.crossed),
            e.explanation,
        ],
    )


def _raise_alert(
    con: duckdb.DuckDBPyConnection, evaluation: Evaluation, threshold: Threshold, sink: str
) -> None:
    key = [evaluation.budget.name, threshold_label(threshold), evaluation.window.label, sink]
    exists = con.execute(
        "select 1 from meta.alerts where budget = ? and threshold = ? and period = ? and sink = ?",
        key,
    ).fetchone()
    if exists is None:
        con.execute(
            "insert into meta.alerts values (?, ?, ?, ?, 'pending', ?, null, 0, null, ?)",
            key + [utc_now(), json.dumps(message(evaluation, threshold), default=str)],
        )


def _deliver_pending(
    con: duckdb.DuckDBPyConnection, config: AispendConfig, report: BudgetReport
) -> None:
    sent_before = con.execute(
        "select budget, threshold, period, sink from meta.alerts where status = 'sent'"
    ).fetchall()
    names = {(b, t, p) for b, t, p, _ in sent_before}
    evaluated = {
        (e.budget.name, threshold_label(t), e.window.label)
        for e in report.evaluations
        for t in e.crossed
    }
    report.already_sent = sorted(f"{b} {t} {p}" for b, t, p in evaluated & names)
    pending = con.execute(
        "select budget, threshold, period, sink, message from meta.alerts "
        "where status = 'pending' order by first_triggered_at"
    ).fetchall()
    for budget, threshold, period, sink, body in pending:
        key = [budget, threshold, period, sink]
        label = f"{budget} {threshold} {period} -> {sink}"
        if sink not in config.alerts:
            report.errors.append(f"{label}: alert sink {sink!r} is no longer configured")
            continue
        try:
            send(sink, config.alerts[sink], json.loads(body), config.base_dir)
        except SinkError as exc:
            con.execute(
                "update meta.alerts set attempts = attempts + 1, last_error = ? "
                "where budget = ? and threshold = ? and period = ? and sink = ?",
                [str(exc)] + key,
            )
            report.errors.append(f"{label}: {exc} (kept pending, retried on the next check)")
            continue
        con.execute(
            "update meta.alerts set status = 'sent', sent_at = ?, attempts = attempts + 1,"
            " last_error = null where budget = ? and threshold = ? and period = ? "
            "and sink = ?",
            [utc_now()] + key,
        )
        report.sent.append(label)
