"""Budget evaluation: actual spend in a budget's window so far, and a run-rate forecast.

The forecast is deliberately simple and explainable: the spend per day so far in the window,
times the days in the window. Money budgets measure effective cost in one billing currency (they
never add currencies up); GPU-hour budgets measure billed GPU-hours. A line counts in the window
of its charge period start (UTC). Energy (kWh) and CO2e (kg) budgets measure marts.energy, the
power that GPU telemetry recorded, by UTC day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from aispend.budget_config import BudgetConfig, Threshold
from connectors.cost_model import normalize_tag_key

_COLUMN_SCOPES = (
    "provider",
    "billing_account_id",
    "sub_account_id",
    "service_name",
    "service_category",
    "region",
)


class BudgetError(Exception):
    """A budget that cannot be evaluated as configured (e.g. its scope spans currencies)."""


@dataclass(frozen=True)
class Window:
    label: str
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def window_for(kind: str, day: date) -> Window:
    if kind == "daily":
        return Window(day.isoformat(), day, day + timedelta(days=1))
    if kind == "quarterly":
        quarter = (day.month - 1) // 3
        start = date(day.year, quarter * 3 + 1, 1)
        return Window(f"{day.year}-Q{quarter + 1}", start, _add_months(start, 3))
    start = day.replace(day=1)
    return Window(f"{day.year:04d}-{day.month:02d}", start, _add_months(start, 1))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Evaluation:
    budget: BudgetConfig
    window: Window
    as_of: date
    currency: str | None
    actual: Decimal
    forecast: Decimal
    elapsed_days: int
    crossed: list[Threshold] = field(default_factory=list)
    contributors: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)

    def crosses(self, threshold: Threshold) -> bool:
        measured = self.actual if threshold.on == "actual" else self.forecast
        return measured >= self.budget.limit * Decimal(str(threshold.percent)) / 100

    def percent(self, value: Decimal) -> Decimal:
        return (value / self.budget.limit * 100).quantize(Decimal("0.1"))

    @property
    def unit_label(self) -> str:
        labels = {"gpu_hours": "GPU-hours", "energy_kwh": "kWh", "co2e_kg": "kg CO2e"}
        return labels.get(self.budget.unit, self.currency or "")

    @property
    def explanation(self) -> str:
        per_day = self.actual / self.elapsed_days if self.elapsed_days else Decimal(0)
        return (
            f"{_fmt(self.actual)} {self.unit_label} over the first {self.elapsed_days} of "
            f"{self.window.days} days of {self.window.label} (to {self.as_of}): "
            f"{_fmt(per_day)} a day x {self.window.days} days = {_fmt(self.forecast)}"
        )


@dataclass(frozen=True)
class Measure:
    """Where a budget's unit is measured: the table, the day a row counts in, the summed column,
    the budget's scope as a filter, and the groups that name its top contributors."""

    table: str
    day: str
    metric: str
    where: str
    params: list[Any]
    groups: tuple[tuple[str, str, list[Any]], ...]


def measure_of(budget: BudgetConfig, run_tag: str, team_tag: str) -> Measure:
    """Money and GPU-hours from the bills; energy and CO2e from marts.energy (telemetry)."""
    if budget.unit in ("energy_kwh", "co2e_kg"):
        clauses, params = ["true"], []
        for key, value in budget.scope.items():
            if key == "run":
                clauses.append("(run_id = ? or run_name = ?)")
                params += [value, value]
            else:  # provider, region or team: fixed names (see ENERGY_SCOPE_KEYS)
                clauses.append(f"{key} = ?")
                params.append(value)
        groups: tuple[tuple[str, str, list[Any]], ...] = (
            ("hosts", "gpu_resource", []),
            ("teams", "team", []),
            ("runs", "coalesce(run_name, run_id)", []),
        )
        return Measure("marts.energy", "day", budget.unit, " and ".join(clauses), params, groups)
    where, params = _scope_filter(budget, run_tag, team_tag)
    groups = (
        ("services", "service_name", []),
        ("teams", "x_tags_normalized[?]", [team_tag]),
        ("runs", "x_tags_normalized[?]", [run_tag]),
    )
    metric = "x_gpu_hours" if budget.unit == "gpu_hours" else "effective_cost"
    return Measure(
        "marts.cost_lines", "cast(charge_period_start as date)", metric, where, params, groups
    )


def evaluate(
    con: duckdb.DuckDBPyConnection,
    budget: BudgetConfig,
    *,
    month: str | None,
    as_of: date | None,
    run_tag: str,
    team_tag: str,
) -> Evaluation:
    """Evaluate ``budget`` in the window holding ``as_of`` (default: the latest data), within
    ``month`` (YYYY-MM; default: the current month)."""
    outer = window_for(
        "monthly", date.fromisoformat(f"{month}-01") if month else datetime.now(UTC).date()
    )
    m = measure_of(budget, run_tag, team_tag)
    where, params = m.where, m.params
    if as_of is None:
        row = con.execute(
            f"select max({m.day}) from {m.table} where {where} and {m.day} < ?",
            params + [outer.end],
        ).fetchone()
        latest = row[0] if row and row[0] else outer.start
        as_of = min(max(latest, outer.start), outer.end - timedelta(days=1))
    window = window_for(budget.period, as_of)
    span = f" and {m.day} between ? and ?"
    currency = None
    if budget.unit == "money":
        currency = _currency(con, budget, where + span, params + [window.start, as_of])
        where, params = where + " and billing_currency = ?", params + [currency]
    where, params = where + span, params + [window.start, as_of]
    row = con.execute(
        f"select coalesce(sum({m.metric}), 0) from {m.table} where {where}", params
    ).fetchone()
    actual = _decimal(row[0]) if row else Decimal(0)
    elapsed = (as_of - window.start).days + 1
    forecast = (actual / elapsed * window.days).quantize(Decimal("0.0001"))
    evaluation = Evaluation(budget, window, as_of, currency, actual, forecast, elapsed)
    evaluation.crossed = [t for t in budget.thresholds if evaluation.crosses(t)]
    evaluation.contributors = _contributors(con, m, where, params)
    return evaluation


def _decimal(value: Any) -> Decimal:
    """Money sums arrive as Decimal; energy and CO2e are measured, as doubles, to 0.0001."""
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(Decimal("0.0001"))
    return Decimal(value) if value is not None else Decimal(0)


def _scope_filter(budget: BudgetConfig, run_tag: str, team_tag: str) -> tuple[str, list[Any]]:
    clauses, params = ["true"], []
    for key, value in budget.scope.items():
        if key in _COLUMN_SCOPES:
            clauses.append(f"{key} = ?")  # key comes from a fixed list, never from the user
            params.append(value)
        else:
            tag, _, wanted = (
                value.partition("=")
                if key == "tag"
                else (run_tag if key == "run" else team_tag, "=", value)
            )
            clauses.append("x_tags_normalized[?] = ?")
            params += [normalize_tag_key(tag), wanted]
    return " and ".join(clauses), params


def _currency(
    con: duckdb.DuckDBPyConnection, budget: BudgetConfig, where: str, params: list[Any]
) -> str | None:
    found = [
        r[0]
        for r in con.execute(
            f"select distinct billing_currency from marts.cost_lines where {where} "
            "and billing_currency is not null order by 1",
            params,
        ).fetchall()
    ]
    if budget.currency:
        return budget.currency.upper()
    if len(found) > 1:
        raise BudgetError(
            f"budget {budget.name!r}: its scope spends in {', '.join(found)}; "
            "set `currency:` on the budget (currencies are never added up)"
        )
    return found[0] if found else None


def _contributors(
    con: duckdb.DuckDBPyConnection, m: Measure, where: str, params: list[Any]
) -> dict[str, list[tuple[str, Decimal]]]:
    out = {}
    for label, expr, extra in m.groups:
        rows = con.execute(
            f"select coalesce({expr}, '(untagged)') as who, sum({m.metric}) as spent "
            f"from {m.table} where {where} group by who order by spent desc, who limit 3",
            extra + params,
        ).fetchall()
        out[label] = [(str(who), _decimal(spent)) for who, spent in rows]
    return out


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"
