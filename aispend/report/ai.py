"""The report's model-spend section: AI spend by model and by team across model APIs and clouds,
tokens per dollar, and how much of the AI spend is tokens and how much rented GPUs.

Read from marts.ai_usage (tokens and their cost) and marts.cost_lines (the GPU lines), in the
report's one currency; lines of usage reports carry no currency and count as tokens only.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

import duckdb

from aispend.report.rows import dicts

_BY_MODEL = """
select provider, channel, coalesce(model, '(not a model)') as model,
       sum(tokens) as tokens, sum(cost) as cost,
       sum(case when cost is not null then tokens end) as priced_tokens
from marts.ai_usage
where billing_period = ? and coalesce(billing_currency, ?) = ?
group by all
order by cost desc nulls last, provider, model
"""
_BY_TEAM = """
select coalesce(team, project, '(none)') as team, sum(cost) as cost, sum(tokens) as tokens
from marts.ai_usage
where billing_period = ? and billing_currency = ?
group by all
order by cost desc, team
"""
_GPU = """
select coalesce(sum(effective_cost), 0) from marts.cost_lines
where x_billing_period = ? and billing_currency = ? and x_gpu_count > 0
"""


def collect_ai(con: duckdb.DuckDBPyConnection, period: str, currency: str | None) -> dict[str, Any]:
    """Spend by model and team, and the token and GPU totals, for one period and currency."""
    by_model = dicts(con, _BY_MODEL, [period, currency, currency])
    for row in by_model:
        cost, priced = row["cost"], row["priced_tokens"]
        row["tokens_per_dollar"] = (priced / cost).quantize(Decimal(1)) if cost and priced else None
    tokens_cost = sum((r["cost"] or Decimal(0) for r in by_model), Decimal(0))
    gpu = con.execute(_GPU, [period, currency]).fetchone()
    return {
        "by_model": by_model,
        "by_team": dicts(con, _BY_TEAM, [period, currency]),
        "tokens_cost": tokens_cost,
        "gpu_cost": Decimal(gpu[0]) if gpu else Decimal(0),
    }


def render_ai(ai: dict[str, Any], money: str, table: Any) -> str:
    """The section's HTML; ``table`` is page.table (rows escaped there)."""
    tokens, gpus = ai.get("tokens_cost", Decimal(0)), ai.get("gpu_cost", Decimal(0))
    whole = tokens + gpus
    share = (
        f"Tokens {100 * tokens / whole:.1f} % ({tokens:,.2f} {money}), GPUs "
        f"{100 * gpus / whole:.1f} % ({gpus:,.2f} {money}) of AI spend."
        if whole
        else "No token or GPU spend in this period."
    )
    return "\n".join(
        [
            "<h2>AI spend by model</h2>",
            f'<p class="note" id="ai-share">{escape(share)}</p>',
            table(
                "ai-by-model",
                ["provider", "channel", "model", "tokens", f"cost ({money})", "tokens per dollar"],
                [
                    (
                        r["provider"],
                        r["channel"],
                        r["model"],
                        r["tokens"],
                        r["cost"],
                        r["tokens_per_dollar"],
                    )
                    for r in ai.get("by_model", [])
                ],
            ),
            "<h2>AI spend by team</h2>",
            table(
                "ai-by-team",
                ["team or project", f"cost ({money})", "tokens"],
                [(r["team"], r["cost"], r["tokens"]) for r in ai.get("by_team", [])],
            ),
        ]
    )
