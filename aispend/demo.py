"""The embedded default: a local DuckDB file and the bundled FOCUS sample.

It lets a fresh clone answer questions before the user has written any config.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from aispend.config import AispendConfig, config_from_dict
from aispend.output import render
from aispend.warehouse import reader

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"


def demo_config(warehouse: str = "aispend.duckdb", base_dir: Path | None = None) -> AispendConfig:
    return config_from_dict(
        {
            "warehouse": warehouse,
            "sources": [
                {"name": "focus_sample", "kind": "focus",
                 "path": str(DEMO_DATA / "focus" / "focus_sample.csv")},
            ],
        },
        base_dir=base_dir or Path.cwd(),
        origin="(built-in demo config)",
    )


def print_headlines(config: AispendConfig, echo: Callable[[str], None],
                    command: str = "aispend") -> None:
    """The answers a new user wants first, next to the export's own sums to prove them."""
    con = reader(config.warehouse_path)
    try:
        sample = str(DEMO_DATA / "focus" / "focus_sample.csv")
        # The export's own totals, read from the file with DuckDB's CSV reader rather than from
        # what aispend loaded, so the two columns are independent computations.
        own = {
            (provider, period): total
            for provider, period, total in duckdb.execute(
                "select ProviderName, strftime(BillingPeriodStart::timestamp, '%Y-%m'), "
                "sum(BilledCost::decimal(38,10)) "
                "from read_csv(?, all_varchar = true, nullstr = 'NULL') group by all",
                [sample]).fetchall()
        }
        rows = con.execute(
            "select provider, billing_period, billing_currency, cost_lines, billed_cost, "
            "effective_cost from marts.cost_by_provider order by billing_period, billed_cost desc"
        ).fetchall()
        table = [
            (*row, own.get((row[0], row[1])),
             "yes" if own.get((row[0], row[1])) is not None
             and round(own[(row[0], row[1])], 2) == round(row[4], 2) else "NO")
            for row in rows
        ]
        echo("\nBilled cost by provider, next to the export's own BilledCost sum:")
        echo(render(["provider", "period", "currency", "lines", "billed_cost", "effective_cost",
                     "export_billed_cost", "equal_to_the_cent"], table, "table"))
        top = con.execute(
            "select provider, service_name, sum(effective_cost) as effective_cost "
            "from marts.cost_lines group by all order by effective_cost desc limit 5").fetchall()
        echo("\nTop services by effective cost:")
        echo(render(["provider", "service", "effective_cost"], top, "table"))
        mix = con.execute(
            "select coalesce(pricing_category, '(none)'), coalesce(charge_category, '(none)'), "
            "count(*), sum(billed_cost), sum(effective_cost) "
            "from marts.cost_lines group by all order by 5 desc").fetchall()
        echo("\nBy pricing and charge category (Committed = covered by commitments):")
        echo(render(["pricing_category", "charge_category", "lines", "billed_cost",
                     "effective_cost"], mix, "table"))
    finally:
        con.close()
    echo("\nAsk your own questions, e.g.:\n"
         f"  {command} sql \"select service_name, sum(billed_cost) from marts.cost_lines "
         "group by 1 order by 2 desc limit 10\"")
