"""Model spend in the warehouse's models: Bedrock, Vertex AI and Azure OpenAI lines of the
conformance bills classified with model and tokens (staging.ai_cloud_lines), tokens beside cost
per day, model, token type and project (marts.ai_usage) with the gaps between a cost and a usage
report named, a budget on one OpenAI project's spend, and the report's AI section. Expected
figures are summed by hand from the recorded files (see their SOURCES.md)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml

CONFORMANCE = Path(__file__).parent / "data" / "conformance"
D = Decimal


def _setup(folder: Path, sources: dict[str, tuple[str, Path]], **extra: Any) -> None:
    for name, (_, path) in sources.items():
        shutil.copytree(path, folder / name)
    config = {
        "warehouse": "wh.duckdb",
        "prices": {"fetch": False},
        "sources": [
            {"name": name, "kind": kind, "path": name} for name, (kind, _) in sources.items()
        ],
        **extra,
    }
    (folder / "aispend.yaml").write_text(yaml.safe_dump(config))


def _query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "wh.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


CLOUDS = {
    "cur": ("aws_cur", CONFORMANCE / "aws_cur" / "bedrock"),
    "gcp": ("gcp_billing", CONFORMANCE / "gcp_billing" / "vertex_ai"),
    "azure": ("azure_cost", CONFORMANCE / "azure_cost" / "azure_openai"),
}
APIS = {
    "oai": ("openai", CONFORMANCE / "openai" / "grouped"),
    "ant": ("anthropic", CONFORMANCE / "anthropic" / "grouped"),
}


def test_cloud_managed_ai_lines_get_model_token_type_and_tokens(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _setup(tmp_path, CLOUDS)
    assert cli("run").exit_code == 0
    rows = _query(
        tmp_path,
        "select family, model, token_type, tokens, effective_cost from staging.ai_cloud_lines "
        "order by 1, 2, 3",
    )
    assert rows == [
        # Azure: 1K meters' quantity counts blocks of 1,000 tokens, 1M meters of 1,000,000
        ("azure", "5.4 mini", "output", D(2_000_000), D("9.00")),  # 2 x 1M
        ("azure", "gpt-4o-0806", "input", D(3_000_000), D("7.50")),  # 3000 x 1K
        ("azure", "gpt-4o-0806", "output", D(500_000), D("5.00")),  # 500 x 1K
        ("azure", "gpt-4o-mini-0718", "cache_read", D(2_000_000), D("0.15")),  # 2000 x 1K
        # Bedrock: the usage type names region, model and token type; units 1K or 1M tokens
        ("bedrock", "claude3.5sonnet", "cache_read", D(1_000_000), D("0.30")),  # 1000 x 1K
        ("bedrock", "claude3.5sonnet", "cache_write", D(100_000), D("0.375")),  # 100 x 1K
        ("bedrock", "claude3.5sonnet", "input", D(2_000_000), D("6.00")),  # 2000 x 1K
        ("bedrock", "claude3.5sonnet", "output", D(400_000), D("6.00")),  # 400 x 1K
        ("bedrock", "titanembedtextv2", "input", D(5_000_000), D("0.10")),  # 5 x 1M
        # Vertex AI: the SKU names model and direction; a count of tokens
        ("vertex", "gemini 2.5 flash", "cache_read", D(2_000_000), D("0.06")),
        ("vertex", "gemini 2.5 flash", "input", D(4_000_000), D("1.20")),
        ("vertex", "gemini 2.5 flash", "output", D(1_000_000), D("2.50")),
        # cache storage is billed by the hour: AI spend, not tokens
        ("vertex", "gemini 2.5 flash", None, None, D("0.45")),
    ]
    totals = _query(
        tmp_path,
        "select channel, sum(cost), sum(tokens) from marts.ai_usage group by 1 order by 1",
    )
    assert totals == [
        # 7.50 + 5.00 + 0.15 + 9.00; 3M + 0.5M + 2M + 2M tokens
        ("azure", D("21.65"), D(7_500_000)),
        # 6.00 + 6.00 + 0.30 + 0.375 + 0.10; 2M + 0.4M + 1M + 0.1M + 5M
        ("bedrock", D("12.775"), D(8_500_000)),
        # 1.20 + 2.50 + 0.06 + 0.45; 4M + 1M + 2M
        ("vertex", D("4.21"), D(7_000_000)),
    ]
    # the bill's team tags carry over (GCP label, Azure tag)
    teams = _query(tmp_path, "select distinct channel, team from marts.ai_usage order by 1")
    assert teams == [("azure", "support"), ("bedrock", None), ("vertex", "search")]


def test_ai_usage_puts_tokens_beside_the_cost_report_and_names_the_gaps(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _setup(tmp_path, APIS)
    result = cli("run")
    assert result.exit_code == 0, result.output
    rows = _query(
        tmp_path,
        "select day::varchar, provider, model, token_type, project, tokens, cost, "
        "cost_per_million_tokens from marts.ai_usage "
        "where day = '2026-11-01' and tokens > 0 order by provider, model, token_type",
    )
    assert rows == [
        # 12.34 cents / 30,850 tokens x 1M = 4.00 a million
        (
            "2026-11-01",
            "Anthropic",
            "claude-3-5-haiku-20241022",
            "output",
            "wrkspc_support",
            D(30_850),
            D("0.1234"),
            D("4.00"),
        ),
        (
            "2026-11-01",
            "Anthropic",
            "claude-sonnet-4-20250514",
            "cache_read",
            "wrkspc_research",
            D(110_000),
            D("0.033"),
            D("0.30"),
        ),
        (
            "2026-11-01",
            "Anthropic",
            "claude-sonnet-4-20250514",
            "cache_write_5m",
            "wrkspc_research",
            D(100_000),
            D("0.375"),
            D("3.75"),
        ),
        (
            "2026-11-01",
            "Anthropic",
            "claude-sonnet-4-20250514",
            "input",
            "wrkspc_research",
            D(500_000),
            D("1.50"),
            D("3.00"),
        ),
        (
            "2026-11-01",
            "Anthropic",
            "claude-sonnet-4-20250514",
            "output",
            "wrkspc_research",
            D(500_000),
            D("7.50"),
            D("15.00"),
        ),
        (
            "2026-11-01",
            "OpenAI",
            "gpt-4o-2024-08-06",
            "cache_read",
            "proj_research",
            D(250_000),
            D("0.3125"),
            D("1.25"),
        ),
        (
            "2026-11-01",
            "OpenAI",
            "gpt-4o-2024-08-06",
            "input",
            "proj_research",
            D(1_000_000),
            D("2.50"),
            D("2.50"),
        ),
        # no cost line for these tokens: the cost report wins, cost stays null
        (
            "2026-11-01",
            "OpenAI",
            "gpt-4o-mini-2024-07-18",
            "input",
            "proj_support",
            D(100_000),
            None,
            None,
        ),
        (
            "2026-11-01",
            "OpenAI",
            "gpt-4o-mini-2024-07-18",
            "output",
            "proj_support",
            D(400_000),
            D("0.24"),
            D("0.60"),
        ),
    ]
    # per provider and month, ai_usage's cost is exactly the cost reports' total
    by_month = _query(
        tmp_path,
        "select provider, billing_period, sum(cost) from marts.ai_usage group by 1, 2 "
        "order by 1, 2",
    )
    assert by_month == [
        ("Anthropic", "2026-10", D("3.00")),
        ("Anthropic", "2026-11", D("11.1314")),
        ("OpenAI", "2026-10", D("4.81")),
        ("OpenAI", "2026-11", D("10.0925")),
    ]
    gaps = sorted(line.strip() for line in result.output.splitlines() if ", gap " in line)
    # a warning: the run still succeeds (exit 0), the gaps are named
    assert "CHECK WARNING marts/ai_usage:ai_usage_gaps: 5 offending row(s)" in result.output
    assert gaps == [
        # the usage pull starts on 11-01: 10-31's cost lines have no tokens
        "day 2026-10-31, provider Anthropic, model claude-sonnet-4-20250514, token_type input, "
        "project wrkspc_research, tokens None, cost 3.0000000000, gap cost without tokens",
        "day 2026-10-31, provider OpenAI, model gpt-4o-2024-08-06, token_type input, project "
        "proj_research, tokens None, cost 1.2500000000, gap cost without tokens",
        "day 2026-10-31, provider OpenAI, model gpt-4o-2024-08-06, token_type output, project "
        "proj_research, tokens None, cost 3.5000000000, gap cost without tokens",
        "day 2026-10-31, provider OpenAI, model gpt-4o-mini-2024-07-18, token_type input, "
        "project proj_support, tokens None, cost 0.0600000000, gap cost without tokens",
        "day 2026-11-01, provider OpenAI, model gpt-4o-mini-2024-07-18, token_type input, "
        "project proj_support, tokens 100000.0000000000, cost None, gap tokens without cost",
    ]


def test_a_budget_on_one_openai_project_fires_and_the_report_shows_spend_by_model(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sources = {**APIS, **CLOUDS}
    _setup(
        tmp_path,
        sources,
        budgets=[
            {
                "name": "research-openai",
                "scope": {"provider": "OpenAI", "sub_account_id": "proj_research"},
                "amount": 10,
                "thresholds": [{"percent": 90, "on": "actual"}],
                "notify": ["log"],
            },
            {
                "name": "support-openai",
                "scope": {"provider": "OpenAI", "tag": "project_id=proj_support"},
                "amount": 10,
                "thresholds": [{"percent": 90, "on": "actual"}],
                "notify": ["log"],
            },
        ],
        alerts={"log": {"kind": "file", "path": "alerts.jsonl"}},
    )
    assert cli("run").exit_code == 0
    result = cli("budgets", "check", "--period", "2026-11")
    assert result.exit_code == 0, result.output
    # proj_research in 2026-11: 2.50 + 0.3125 + 7.00 = 9.8125 = 98.1 % of 10 (usage lines cost 0)
    # proj_support: 0.24 + 0.04 = 0.28 = 2.8 %: below 90 %
    assert "Alert sent: research-openai 90% actual 2026-11 -> log" in result.output
    assert "support-openai" not in " ".join(
        line for line in result.output.splitlines() if line.startswith("Alert sent")
    )
    logged = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert [(a["budget"], D(a["actual"])) for a in logged] == [("research-openai", D("9.8125"))]

    assert cli("report", "--period", "2026-11", "--out", "r.html").exit_code == 0
    page = (tmp_path / "r.html").read_text()
    section = page[page.index("<h2>AI spend by model</h2>") : page.index("<h2>Budgets</h2>")]
    # every model of the month, from APIs and clouds, cost and tokens per dollar
    for cell in (
        "claude-sonnet-4-20250514",  # 10.008 USD
        "gpt-4o-2024-08-06",  # 9.8125 USD, 1,950,000 priced tokens: 198,726 per dollar
        "198,726.00",
        "gpt-4o-0806",  # Azure, 12.50 USD
        "claude3.5sonnet",  # Bedrock
        "gemini 2.5 flash",  # Vertex AI
    ):
        assert f"<td>{cell}</td>" in section or f'<td class="num">{cell}</td>' in section, cell
    # tokens: APIs 10.0925 + 11.1314, clouds 21.65 + 12.775 + 4.21 = 59.8589; no GPU lines
    assert "Tokens 100.0 % (59.86 USD), GPUs 0.0 % (0.00 USD) of AI spend." in section
    assert "<td>proj_research</td>" in section and "<td>support</td>" in section


def test_a_parquet_store_gives_the_same_totals(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _setup(tmp_path, {**APIS, "cur": CLOUDS["cur"]}, store="store")
    assert cli("run").exit_code == 0
    result = cli(
        "sql",
        "--format",
        "csv",
        "select channel, provider, billing_period, sum(cost) as cost, sum(tokens) as tokens "
        "from marts.ai_usage group by all order by 1, 2, 3",
    )
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.output.splitlines()[1:]]
    assert [(c, p, m, D(cost), D(t) if t else None) for c, p, m, cost, t in rows] == [
        ("api", "Anthropic", "2026-10", D("3.00"), None),
        # tokens: 500,000 + 110,000 + 100,000 + 500,000 + 30,850 + 100,000 (cache 1h)
        ("api", "Anthropic", "2026-11", D("11.1314"), D(1_340_850)),
        ("api", "OpenAI", "2026-10", D("4.81"), None),
        # tokens: 1,000,000 + 250,000 + 100,000 + 400,000 + 700,000
        ("api", "OpenAI", "2026-11", D("10.0925"), D(2_450_000)),
        ("bedrock", "AWS", "2026-11", D("12.775"), D(8_500_000)),
    ]
