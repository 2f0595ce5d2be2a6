"""The report page: one self-contained HTML file (inline CSS, SVG and a few lines of script).

It must open from a laptop's downloads folder or an email attachment, so nothing is fetched.
Every chart has its numbers in a table beside it, to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any

from aispend.report import energy, svg
from aispend.report.ai import render_ai
from aispend.report.data import ReportData

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:820px;color:#222}h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;
margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}.note{color:#666;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin-top:8px}td,th{padding:3px 8px;
border-bottom:1px solid #eee;text-align:left}td.num{text-align:right;font-variant-numeric:
tabular-nums}.chart{display:block;max-width:100%;height:auto}.grid{stroke:#e5e5e5}
.tick{font-size:11px;fill:#555}.unit{font-size:11px;fill:#888}.mark:hover{opacity:.75}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:12px;
padding:4px 6px;border-radius:3px;display:none}.bad{color:#c44e52;font-weight:600}
.ok{color:#4a9d5b}
"""

SCRIPT = """
(function () {
  var tip = document.getElementById('tip');
  var marks = document.querySelectorAll('.mark');
  marks.forEach(function (mark) {
    mark.addEventListener('mousemove', function (event) {
      var value = Number(mark.dataset.value);
      tip.textContent = mark.dataset.series + ' · ' + mark.dataset.label + ': ' +
        value.toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2});
      tip.style.left = (event.clientX + 12) + 'px';
      tip.style.top = (event.clientY + 12) + 'px';
      tip.style.display = 'block';
    });
    mark.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
  document.body.dataset.marks = String(marks.length);
})();
"""


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, Decimal):
        return f'<td class="num">{value:,.2f}</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:,.2f}</td>'
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{escape(str(value))}</td>"


def table(table_id: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return '<p class="note">Nothing to show for this period.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render(data: ReportData, generated: datetime) -> str:
    money = data.currency or ""
    others = (
        f" Amounts in {', '.join(data.other_currencies)} are left out, never added in."
        if data.other_currencies
        else ""
    )
    budget_levels = {
        f"{b['budget']} ({b['amount']:,.0f})": b["amount"]
        for b in data.budgets
        if b["unit"] == "money" and b["currency"] == data.currency
    }
    sections = [
        f"<h1>aispend report: {escape(data.period)}</h1>",
        f'<p class="note">Generated {generated:%Y-%m-%d %H:%M} UTC from the warehouse marts. '
        f"Effective cost in {escape(money or 'no currency')}.{escape(others)}</p>",
        "<h2>Daily spend by provider</h2>",
        svg.stacked_bars("daily-spend", data.days, data.spend_by_provider, money),
        "<h2>Spend so far, forecast and budgets</h2>",
        svg.lines(
            "cumulative-spend",
            data.days,
            {"spend so far": data.cumulative, "forecast (run rate)": data.forecast},
            budget_levels,
            money,
            dashed=["forecast (run rate)"],
        ),
        "<h2>Top training runs by cost</h2>",
        svg.hbars(
            "top-runs",
            [r["run_name"] for r in data.runs],
            [r["cost"] for r in data.runs],
            money,
            series="run cost",
        ),
        table(
            "runs",
            [
                "run",
                "team",
                "basis",
                "GPU-hours",
                "util %",
                "cost",
                "idle cost",
                "idle share",
                "per GPU-hour",
                "spot",
            ],
            [
                (
                    r["run_name"],
                    r["team"],
                    r["basis"],
                    r["gpu_hours"],
                    r["gpu_util_mean"],
                    r["cost"],
                    r["idle_cost"],
                    _share(r["idle_cost"], r["cost"]),
                    r["cost_per_gpu_hour"],
                    r["on_spot"],
                )
                for r in data.runs
            ],
        ),
        "<h2>Idle GPU waste over time</h2>",
        svg.stacked_bars("idle-waste", data.days, data.waste_by_kind, money),
        table(
            "waste",
            ["GPU resource", "kind", "GPU-hours", "cost"],
            [(r["gpu_resource"], r["kind"], r["gpu_hours"], r["cost"]) for r in data.waste_by_host],
        ),
        "<h2>Spot and commitment savings</h2>",
        svg.hbars(
            "savings",
            [f"{r['kind']}: {r['service_name']}" for r in data.savings],
            [r["savings"] for r in data.savings],
            money,
            series="savings",
        ),
        table(
            "savings-table",
            [
                "provider",
                "service",
                "kind",
                "before",
                "effective",
                "savings",
                "rate",
                "interruptions",
            ],
            [
                (
                    r["provider"],
                    r["service_name"],
                    r["kind"],
                    r["contracted_cost"] if r["kind"] == "commitment" else r["list_cost"],
                    r["effective_cost"],
                    r["savings"],
                    _rate(r["savings_rate"]),
                    r["interruptions"],
                )
                for r in data.savings
            ],
        ),
        "<h2>Energy and carbon</h2>",
        '<p class="note">Measured from GPU power telemetry (kWh), CO2e from each host\'s region '
        "grid and its provider's PUE (marts.energy); SM active and power are means over the "
        "run.</p>",
        table(
            "energy-runs",
            [
                "run",
                "team",
                "kWh",
                "idle kWh",
                "kg CO2e",
                "SM active %",
                "power % of limit",
                "basis",
                "efficiency",
            ],
            energy.run_rows(data.energy_runs),
        ),
        table(
            "energy-teams",
            ["team", "kWh", "idle kWh", "kg CO2e"],
            energy.team_rows(data.energy_teams),
        ),
        render_ai(data.ai, money, table),
        "<h2>Budgets</h2>",
        table(
            "budgets",
            [
                "budget",
                "unit",
                "currency",
                "limit",
                "actual",
                "forecast",
                "% actual",
                "% forecast",
                "crossed",
                "as of",
            ],
            [
                (
                    b["budget"],
                    b["unit"],
                    b["currency"],
                    b["amount"],
                    b["actual"],
                    b["forecast"],
                    b["pct_actual"],
                    b["pct_forecast"],
                    b["crossed"] or "",
                    b["as_of"],
                )
                for b in data.budgets
            ],
        ),
        "<h2>Data freshness</h2>",
        table(
            "loads",
            ["source", "period", "status", "finished (UTC)", "rows", "message"],
            [
                (
                    r["source"],
                    r["period"],
                    r["status"],
                    r["finished_at"],
                    r["rows_loaded"],
                    r["message"],
                )
                for r in data.loads
            ],
        ),
        "<h2>Quarantined inputs</h2>",
        table(
            "quarantined",
            ["source", "period", "file", "row", "column", "problem"],
            [
                (
                    r["source"],
                    r["period"],
                    r["file"],
                    r["row_number"],
                    r["column_name"],
                    r["message"],
                )
                for r in data.quarantined
            ],
        ),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>aispend report {escape(data.period)}</title><style>{STYLE}</style></head>"
        "<body>" + "\n".join(sections) + '<div id="tip"></div>'
        f"<script>{SCRIPT}</script></body></html>"
    )


def _share(part: Decimal | None, whole: Decimal | None) -> str | None:
    if part is None or not whole:
        return None
    return f"{100 * part / whole:.1f} %"


def _rate(rate: Decimal | None) -> str | None:
    return None if rate is None else f"{100 * rate:.1f} %"
