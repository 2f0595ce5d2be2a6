"""The report's energy section: kWh and CO2e per run and per team in the period, and how well
each run used its GPUs, read from marts.energy and marts.run_cost.

Energy is measured (GPU power telemetry), not money: it has no currency, and rows estimated from
board power are marked as such.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from aispend.report.rows import dicts

RUNS_SQL = """
with energy as (
    select
        run_id,
        max(run_name) as run_name,
        max(team) as team,
        sum(energy_kwh) as energy_kwh,
        sum(idle_energy_kwh) as idle_energy_kwh,
        case when count(co2e_kg) = count(*) then sum(co2e_kg) end as co2e_kg,
        max(case when estimated then 1 else 0 end) = 1 as estimated
    from marts.energy
    where run_id is not null and day >= ? and day < ?
    group by run_id
),

efficiency as (
    select
        run_id,
        max(sm_active_mean) as sm_active_mean,
        max(power_pct_of_limit) as power_pct_of_limit,
        max(efficiency_note) as efficiency_note
    from marts.run_cost
    group by run_id
)

select e.*, f.sm_active_mean, f.power_pct_of_limit, f.efficiency_note
from energy as e
left join efficiency as f on e.run_id = f.run_id
order by e.energy_kwh desc nulls last, e.run_id
limit 10
"""

TEAMS_SQL = """
select
    coalesce(team, case when kind = 'unallocated' then '(no run)' else '(no team)' end) as team,
    sum(energy_kwh) as energy_kwh,
    sum(idle_energy_kwh) as idle_energy_kwh,
    case when count(co2e_kg) = count(*) then sum(co2e_kg) end as co2e_kg
from marts.energy
where day >= ? and day < ?
group by 1
order by energy_kwh desc nulls last, team
"""


def energy_by_run(con: duckdb.DuckDBPyConnection, first: date, end: date) -> list[dict[str, Any]]:
    return dicts(con, RUNS_SQL, [first, end])


def energy_by_team(con: duckdb.DuckDBPyConnection, first: date, end: date) -> list[dict[str, Any]]:
    return dicts(con, TEAMS_SQL, [first, end])


def _fixed(value: float | None, places: int) -> str | None:
    return None if value is None else f"{value:,.{places}f}"


def run_rows(runs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            r["run_name"] or r["run_id"],
            r["team"],
            _fixed(r["energy_kwh"], 3),
            _fixed(r["idle_energy_kwh"], 3),
            _fixed(r["co2e_kg"], 3),
            _fixed(None if r["sm_active_mean"] is None else 100 * r["sm_active_mean"], 1),
            _fixed(r["power_pct_of_limit"], 1),
            "estimated" if r["estimated"] else "measured",
            r["efficiency_note"] or "",
        )
        for r in runs
    ]


def team_rows(teams: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            t["team"],
            _fixed(t["energy_kwh"], 3),
            _fixed(t["idle_energy_kwh"], 3),
            _fixed(t["co2e_kg"], 3),
        )
        for t in teams
    ]
