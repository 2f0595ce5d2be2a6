"""Writes the recorded Anthropic Admin API pages beside it (see SOURCES.md): the cost report
and the messages usage report, shaped as the API reference documents them."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
SONNET, HAIKU = "claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"


def bucket(day: str, end: str, results: list[dict[str, object]]) -> dict[str, object]:
    return {"starting_at": f"{day}T00:00:00Z", "ending_at": f"{end}T00:00:00Z", "results": results}


def cost(
    amount: str,
    workspace: str | None,
    model: str | None,
    token_type: str | None,
    cost_type: str | None = "tokens",
    description: str | None = None,
) -> dict[str, object]:
    return {
        "currency": "USD",
        "amount": amount,
        "workspace_id": workspace,
        "description": description or (f"{model} {token_type}" if model else None),
        "cost_type": cost_type,
        "context_window": "0-200k" if token_type else None,
        "model": model,
        "service_tier": "standard" if token_type else None,
        "token_type": token_type,
    }


def usage(
    model: str | None,
    workspace: str | None,
    uncached: int = 0,
    read: int = 0,
    five_min: int = 0,
    one_hour: int = 0,
    output: int = 0,
    searches: int = 0,
) -> dict[str, object]:
    return {
        "uncached_input_tokens": uncached,
        "cache_creation": {
            "ephemeral_1h_input_tokens": one_hour,
            "ephemeral_5m_input_tokens": five_min,
        },
        "cache_read_input_tokens": read,
        "output_tokens": output,
        "server_tool_use": {"web_search_requests": searches},
        "api_key_id": None,
        "workspace_id": workspace,
        "model": model,
        "service_tier": "standard" if model else None,
        "context_window": "0-200k" if model else None,
    }


def page(data: list[dict[str, object]], next_page: str | None = None) -> dict[str, object]:
    return {"data": data, "has_more": next_page is not None, "next_page": next_page}


def write(path: str, value: object) -> None:
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(value, indent=2) + "\n")


DAY2 = bucket(
    "2026-11-02",
    "2026-11-03",
    [
        cost("60", "wrkspc_research", SONNET, "cache_creation.ephemeral_1h_input_tokens"),
        cost("100", "wrkspc_research", None, None, "web_search", "Web Search"),
    ],
)
# cost_report?group_by[]=workspace_id&group_by[]=description: two pages of one pull
write(
    "grouped/cost_report_2026-10-31_2026-11-03.json",
    [
        page(
            [
                bucket(
                    "2026-10-31",
                    "2026-11-01",
                    [cost("300.00", "wrkspc_research", SONNET, "uncached_input_tokens")],
                ),
                bucket(
                    "2026-11-01",
                    "2026-11-02",
                    [
                        cost("150", "wrkspc_research", SONNET, "uncached_input_tokens"),
                        cost("750", "wrkspc_research", SONNET, "output_tokens"),
                        cost("3.3", "wrkspc_research", SONNET, "cache_read_input_tokens"),
                        cost(
                            "37.5",
                            "wrkspc_research",
                            SONNET,
                            "cache_creation.ephemeral_5m_input_tokens",
                        ),
                        cost("12.34", "wrkspc_support", HAIKU, "output_tokens"),
                    ],
                ),
            ],
            next_page="page_MjAyNi0xMS0wMlQwMDowMDowMFo=",
        ),
        page([DAY2]),
    ],
)
write("grouped/cost_report_2026-11-02_rerun.json", page([DAY2]))
# usage_report/messages?group_by[]=model&group_by[]=workspace_id&bucket_width=1d
write(
    "grouped/usage_report_messages_2026-11.json",
    page(
        [
            bucket(
                "2026-11-01",
                "2026-11-02",
                [
                    usage(
                        SONNET,
                        "wrkspc_research",
                        uncached=500_000,
                        read=110_000,
                        five_min=100_000,
                        output=500_000,
                    ),
                    usage(HAIKU, "wrkspc_support", output=30_850),
                ],
            ),
            bucket(
                "2026-11-02",
                "2026-11-03",
                [usage(SONNET, "wrkspc_research", one_hour=100_000, searches=100)],
            ),
        ]
    ),
)
# ungrouped: one result per bucket, every group field null
write(
    "ungrouped/cost_report.json",
    page(
        [
            {
                "starting_at": "2025-08-01T00:00:00Z",
                "ending_at": "2025-08-02T00:00:00Z",
                "results": [
                    {
                        "currency": "USD",
                        "amount": "123.45",
                        "workspace_id": None,
                        "description": None,
                        "cost_type": None,
                        "context_window": None,
                        "model": None,
                        "service_tier": None,
                        "token_type": None,
                    }
                ],
            }
        ]
    ),
)
write(
    "ungrouped/usage_report_messages.json",
    page(
        [
            {
                "starting_at": "2025-08-01T00:00:00Z",
                "ending_at": "2025-08-02T00:00:00Z",
                "results": [usage(None, None, uncached=1500, read=200, five_min=1000, output=500)],
            }
        ]
    ),
)
