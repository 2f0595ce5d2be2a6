"""``aispend budgets``: evaluate budgets, record them, send threshold alerts once."""

from __future__ import annotations

import sys

import click

from aispend.cli.commands import Context, main


@main.group()
def budgets() -> None:
    """Budgets and their alerts."""


@budgets.command("check")
@click.option("--period", "month", metavar="YYYY-MM", help="Month to evaluate (default: current).")
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="Evaluate as of this day (default: the latest data in the period).",
)
@click.pass_obj
def budgets_check(obj: Context, month: str | None, as_of: str | None) -> None:
    """Evaluate every budget, record it in marts.budget_status, and send alerts once.

    Exits 0 whether or not alerts fired; non-zero only on errors (for example a sink that cannot
    be reached: its alert stays pending and is retried on the next check).

    \b
    Example:
      aispend budgets check --period 2026-10 --as-of 2026-10-17
    """
    from datetime import date

    from aispend.alerts import check_budgets
    from aispend.output import render
    from aispend.periods import parse_period

    try:
        month = parse_period(month) if month else None
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    config = obj.config()
    if not config.budgets:
        click.echo("No budgets in the config.")
        return
    report = check_budgets(config, month=month, as_of=day)
    rows = [
        (
            e.budget.name,
            e.window.label,
            e.unit_label,
            e.budget.limit,
            e.actual,
            e.percent(e.actual),
            e.forecast,
            e.percent(e.forecast),
            ", ".join(f"{t.percent:g}% {t.on}" for t in e.crossed) or "-",
        )
        for e in report.evaluations
    ]
    click.echo(
        render(
            [
                "budget",
                "period",
                "unit",
                "amount",
                "actual",
                "actual_%",
                "forecast",
                "forecast_%",
                "crossed",
            ],
            rows,
            "table",
        )
    )
    for e in report.evaluations:
        click.echo(f"  {e.budget.name}: {e.explanation}")
    for line in report.sent:
        click.echo(f"Alert sent: {line}")
    for line in report.already_sent:
        click.echo(f"Already alerted (not sent again): {line}")
    for line in report.errors:
        click.echo(f"ERROR: {line}", err=True)
    if report.errors:
        sys.exit(1)
