"""What the report shows, read from the same marts ``aispend sql`` reads.

Money is shown in one currency at a time (the period's main one): amounts in different currencies
are never added up; the page names the others.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from aispend.report.ai import collect_ai
from aispend.report.energy import energy_by_run, energy_by_team
from aispend.report.rows import dicts


@dataclass
class ReportData:
    period: str
    currency: str | None
    other_currencies: list[str]
    days: list[str]
    spend_by_provider: dict[str, list[Decimal]]
    cumulative: list[Decimal | None]
    forecast: list[Decimal | None]
    budgets: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    waste_by_kind: dict[str, list[Decimal]]
    waste_by_host: list[dict[str, Any]]
    savings: list[dict[str, Any]]
    loads: list[dict[str, Any]]
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    energy_runs: list[dict[str, Any]] = field(default_factory=list)
    energy_teams: list[dict[str, Any]] = field(default_factory=list)
    #: model spend: by model, by team, tokens vs GPUs (aispend/report/ai.py)
    ai: dict[str, Any] = field(default_factory=dict)


def latest_period(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("select max(x_billing_period) from marts.cost_lines").fetchone()
    return row[0] if row else None


def collect(con: duckdb.DuckDBPyConnection, period: str) -> ReportData:
    year, month = map(int, period.split("-"))
    first = date(year, month, 1)
    days = [first + timedelta(days=i) for i in range(calendar.monthrange(year, month)[1])]
    currencies = [
        r[0]
        for r in con.execute(
            "select billing_currency from marts.cost_by_service_daily "
            "where charge_date >= ? and charge_date < ? and billing_currency is not null "
            "group by 1 order by sum(effective_cost) desc, 1",
            [first, days[-1] + timedelta(days=1)],
        ).fetchall()
    ]
    currency = currencies[0] if currencies else None
    spend = dicts(
        con,
        "select charge_date, provider, sum(effective_cost) as cost "
        "from marts.cost_by_service_daily where charge_date >= ? and "
        "charge_date < ? and billing_currency = ? group by all",
        [first, days[-1] + timedelta(days=1), currency],
    )
    providers = sorted({r["provider"] for r in spend})
    by_day = {(r["charge_date"], r["provider"]): Decimal(r["cost"]) for r in spend}
    series = {p: [by_day.get((d, p), Decimal(0)) for d in days] for p in providers}
    cumulative, forecast = _run_rate(days, series)
    end = days[-1] + timedelta(days=1)
    return ReportData(
        period=period,
        currency=currency,
        other_currencies=currencies[1:],
        days=[d.strftime("%d") for d in days],
        spend_by_provider=series,
        cumulative=cumulative,
        forecast=forecast,
        budgets=dicts(
            con,
            """
            select budget, unit, currency, amount, actual, forecast, pct_actual, pct_forecast,
                   crossed, as_of
            from marts.budget_status
            where period = ?
            qualify row_number() over (partition by budget order by evaluated_at desc) = 1
            order by budget""",
            [period],
        ),
        runs=dicts(
            con,
            """
            select run_name, team, basis, gpu_hours, gpu_util_mean, cost, idle_cost,
                   cost_per_gpu_hour, on_spot
            from marts.run_cost
            where billing_currency = ? and cost is not null
              and started_at < ? and coalesce(ended_at, started_at) >= ?
            order by cost desc, run_id limit 10""",
            [currency, days[-1] + timedelta(days=1), first],
        ),
        waste_by_kind=_waste_by_kind(con, days, currency),
        waste_by_host=dicts(
            con,
            """
            select gpu_resource, kind, sum(gpu_hours) as gpu_hours, sum(cost) as cost
            from marts.idle_waste
            where day >= ? and day < ? and billing_currency = ?
            group by all order by cost desc, gpu_resource, kind limit 15""",
            [first, days[-1] + timedelta(days=1), currency],
        ),
        savings=dicts(
            con,
            """
            select provider, service_name, kind, list_cost, contracted_cost, effective_cost,
                   savings, savings_rate, interruptions, interrupted_gpu_hours
            from marts.savings
            where billing_period = ? and billing_currency = ? and savings <> 0
            order by abs(savings) desc, kind, service_name""",
            [period, currency],
        ),
        loads=dicts(
            con,
            """
            select source, period, status, finished_at, rows_loaded, message
            from meta.loads
            qualify row_number() over (partition by source, period
                                       order by finished_at desc nulls last) = 1
            order by source, period desc""",
            [],
        ),
        quarantined=dicts(
            con,
            """
            select e.source, e.period, e.file, e.row_number, e.column_name, e.message
            from meta.load_errors as e
            inner join (
                select source, period, max(load_id) as load_id from meta.loads
                where status = 'failed' group by source, period
            ) as f on e.load_id = f.load_id
            order by e.source, e.period, e.file, e.row_number limit 50""",
            [],
        ),
        energy_runs=energy_by_run(con, first, end),
        energy_teams=energy_by_team(con, first, end),
        ai=collect_ai(con, period, currency),
    )


def _run_rate(
    days: list[date], series: dict[str, list[Decimal]]
) -> tuple[list[Decimal | None], list[Decimal | None]]:
    """Cumulative spend up to the last day with spend, then the month at that day's run rate
    (the same simple forecast budgets use)."""
    daily = [sum((values[i] for values in series.values()), Decimal(0)) for i in range(len(days))]
    spent = [i for i, value in enumerate(daily) if value != 0]
    if not spent:
        return [None] * len(days), [None] * len(days)
    last = spent[-1]
    running, cumulative = Decimal(0), []
    for i, value in enumerate(daily):
        running += value
        cumulative.append(running if i <= last else None)
    total = cumulative[last]
    assert total is not None
    rate = total / (last + 1)
    forecast: list[Decimal | None] = [
        None if i < last else (total + rate * (i - last)).quantize(Decimal("0.01"))
        for i in range(len(days))
    ]
    return cumulative, forecast


def _waste_by_kind(
    con: duckdb.DuckDBPyConnection, days: list[date], currency: str | None
) -> dict[str, list[Decimal]]:
    rows = con.execute(
        "select day, kind, sum(cost) from marts.idle_waste where day >= ? and day < ? "
        "and billing_currency = ? group by all",
        [days[0], days[-1] + timedelta(days=1), currency],
    ).fetchall()
    kinds = sorted({kind for _, kind, _ in rows})
    found = {(day, kind): Decimal(cost) for day, kind, cost in rows}
    return {k: [found.get((d, k), Decimal(0)) for d in days] for k in kinds}
