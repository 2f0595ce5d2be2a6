"""The embedded default: a local DuckDB file, the bundled FOCUS sample and the demo scenario.

It lets a fresh clone answer questions before the user has written any config. The FOCUS sample
is a real export; the scenario (aispend.demo_scenario) is a bill, GPU logs and Slurm jobs about
the same hosts and hours, so the three answers (run cost, idle waste, savings) have something to
join.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from aispend.config import AispendConfig, config_from_dict
from aispend.output import render
from aispend.warehouse import reader

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
SCENARIO = DEMO_DATA / "scenario"
DEMO_BILLS = [DEMO_DATA / "focus" / "focus_sample.csv", SCENARIO / "bill" / "focus_2026-10.csv"]


def demo_config(warehouse: str = "aispend.duckdb", base_dir: Path | None = None) -> AispendConfig:
    return config_from_dict(
        {
            "warehouse": warehouse,
            "sources": [
                {
                    "name": "focus_sample",
                    "kind": "focus",
                    "path": str(DEMO_DATA / "focus" / "focus_sample.csv"),
                },
                {"name": "scenario_bill", "kind": "focus", "path": str(SCENARIO / "bill")},
                {"name": "scenario_gpus", "kind": "nvidia_smi", "path": str(SCENARIO / "gpu")},
                {"name": "scenario_jobs", "kind": "slurm", "path": str(SCENARIO / "slurm")},
            ],
            "budgets": [
                {
                    "name": "aws-gpu-training",
                    "scope": {"provider": "AWS"},
                    "period": "monthly",
                    "amount": 1500,
                    "currency": "USD",
                    "thresholds": [{"percent": 80, "on": "forecast"}, {"percent": 100}],
                },
            ],
        },
        base_dir=base_dir or Path.cwd(),
        origin="(built-in demo config)",
    )


def print_headlines(
    config: AispendConfig, echo: Callable[[str], None], command: str = "aispend"
) -> None:
    """The answers a new user wants first, next to the export's own sums to prove them."""
    con = reader(config.warehouse_path)
    try:
        # The exports' own totals, read from the file with DuckDB's CSV reader rather than from
        # what aispend loaded, so the two columns are independent computations.
        own = {
            (provider, period): total
            for provider, period, total in duckdb.execute(
                "select ProviderName, strftime(BillingPeriodStart::timestamp, '%Y-%m'), "
                "sum(BilledCost::decimal(38,10)) "
                "from read_csv(?, all_varchar = true, nullstr = 'NULL', union_by_name = true) "
                "group by all",
                [[str(p) for p in DEMO_BILLS]],
            ).fetchall()
        }
        rows = con.execute(
            "select provider, billing_period, billing_currency, cost_lines, billed_cost, "
            "effective_cost from marts.cost_by_provider order by billing_period, billed_cost desc"
        ).fetchall()
        table = [
            (
                *row,
                own.get((row[0], row[1])),
                "yes"
                if own.get((row[0], row[1])) is not None
                and round(own[(row[0], row[1])], 2) == round(row[4], 2)
                else "NO",
            )
            for row in rows
        ]
        echo("\nBilled cost by provider, next to the export's own BilledCost sum:")
        echo(
            render(
                [
                    "provider",
                    "period",
                    "currency",
                    "lines",
                    "billed_cost",
                    "effective_cost",
                    "export_billed_cost",
                    "equal_to_the_cent",
                ],
                table,
                "table",
            )
        )
        top = con.execute(
            "select provider, service_name, sum(effective_cost) as effective_cost "
            "from marts.cost_lines group by all order by effective_cost desc limit 5"
        ).fetchall()
        echo("\nTop services by effective cost:")
        echo(render(["provider", "service", "effective_cost"], top, "table"))
        mix = con.execute(
            "select coalesce(pricing_category, '(none)'), coalesce(charge_category, '(none)'), "
            "count(*), sum(billed_cost), sum(effective_cost) "
            "from marts.cost_lines group by all order by 5 desc"
        ).fetchall()
        echo("\nBy pricing and charge category (Committed = covered by commitments):")
        echo(
            render(
                ["pricing_category", "charge_category", "lines", "billed_cost", "effective_cost"],
                mix,
                "table",
            )
        )
        print_answers(con, echo)
    finally:
        con.close()
    echo(
        "\nAsk your own questions, e.g.:\n"
        f'  {command} sql "select service_name, sum(billed_cost) from marts.cost_lines '
        'group by 1 order by 2 desc limit 10"'
    )


def print_answers(con: duckdb.DuckDBPyConnection, echo: Callable[[str], None]) -> None:
    """The three answers and the energy they cost, from the marts ``aispend sql`` reads (the
    scenario's are worked by hand in demo_data/scenario/README.md)."""
    for title, query in ANSWERS:
        cursor = con.execute(query)
        echo(f"\n{title}")
        echo(render([d[0] for d in cursor.description or []], cursor.fetchall(), "table"))


ANSWERS = [
    (
        "1. Cost per training run (marts.run_cost):",
        "select run_name, team, basis, gpu_hours, round(gpu_util_mean, 1) as util_pct, cost, "
        "idle_cost, cost_per_gpu_hour, billing_currency as currency from marts.run_cost "
        "where cost is not null order by cost desc, run_id limit 10",
    ),
    (
        "2. Idle GPU waste (marts.idle_waste):",
        "select day, gpu_resource, kind, gpu_hours, cost, billing_currency as currency "
        "from marts.idle_waste order by day desc, cost desc, gpu_resource, kind limit 10",
    ),
    (
        "3. Spot and commitment savings (marts.savings):",
        "select billing_period, provider, service_name, kind, list_cost, effective_cost, savings, "
        "savings_rate, interruptions, billing_currency as currency from marts.savings "
        "where savings <> 0 order by billing_period desc, abs(savings) desc, kind limit 12",
    ),
    (
        "4. Energy and carbon per run, from measured GPU power (marts.run_cost, marts.energy):",
        "select run_name, team, round(energy_kwh, 3) as energy_kwh, round(co2e_kg, 3) as co2e_kg, "
        "energy_estimated as estimated, round(power_pct_of_limit, 1) as power_pct_of_limit, "
        "efficiency_note from marts.run_cost where energy_kwh is not null "
        "order by energy_kwh desc, run_id limit 10",
    ),
]
