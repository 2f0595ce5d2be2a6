"""Writes the recorded OpenAI Costs and Usage API pages beside it (see SOURCES.md): run with
any Python 3.11; the pages are shaped as the API reference documents them."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
DAY = {"10-31": 1793404800, "11-01": 1793491200, "11-02": 1793577600, "11-03": 1793664000}


def bucket(day: str, end: str, results: list[dict[str, object]]) -> dict[str, object]:
    return {"object": "bucket", "start_time": DAY[day], "end_time": DAY[end], "results": results}


def cost(value: float | int, line_item: str | None, project_id: str | None) -> dict[str, object]:
    return {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": "usd"},
        "line_item": line_item,
        "project_id": project_id,
    }


def completions(model: str, project: str, **counts: int) -> dict[str, object]:
    row: dict[str, object] = {"object": "organization.usage.completions.result"}
    row.update(
        {
            "input_tokens": 0,
            "output_tokens": 0,
            "input_cached_tokens": 0,
            "input_audio_tokens": 0,
            "output_audio_tokens": 0,
        }
    )
    row.update(counts)
    row.update(
        {
            "project_id": project,
            "user_id": None,
            "api_key_id": None,
            "model": model,
            "batch": None,
        }
    )
    return row


def page(data: list[dict[str, object]], next_page: str | None = None) -> dict[str, object]:
    return {
        "object": "page",
        "data": data,
        "has_more": next_page is not None,
        "next_page": next_page,
    }


def write(path: str, value: object) -> None:
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(value, indent=2) + "\n")


GPT4O, MINI = "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"
DAY2 = bucket(
    "11-02",
    "11-03",
    [cost(7, f"{GPT4O}, output", "proj_research"), cost(0.04, "Image models", "proj_support")],
)
# costs?group_by=project_id&group_by=line_item, two pages of one pull in one array
write(
    "grouped/costs_2026-10-31_2026-11-03.json",
    [
        page(
            [
                bucket(
                    "10-31",
                    "11-01",
                    [
                        cost(1.25, f"{GPT4O}, input", "proj_research"),
                        cost(3.5, f"{GPT4O}, output", "proj_research"),
                        cost(0.06, f"{MINI}, input", "proj_support"),
                    ],
                ),
                bucket(
                    "11-01",
                    "11-02",
                    [
                        cost(2.5, f"{GPT4O}, input", "proj_research"),
                        cost(0.3125, f"{GPT4O}, cached input", "proj_research"),
                        cost(0.24, f"{MINI}, output", "proj_support"),
                    ],
                ),
            ],
            next_page="page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=",
        ),
        page([DAY2]),
    ],
)
# a later pull of the last day again: the same bucket, counted once
write("grouped/costs_2026-11-02_rerun.json", page([DAY2]))
# usage/completions?group_by=model&group_by=project_id
write(
    "grouped/usage_completions_2026-11.json",
    page(
        [
            bucket(
                "11-01",
                "11-02",
                [
                    completions(
                        GPT4O,
                        "proj_research",
                        input_tokens=1_250_000,
                        input_cached_tokens=250_000,
                        num_model_requests=420,
                    ),
                    completions(
                        MINI,
                        "proj_support",
                        input_tokens=100_000,
                        output_tokens=400_000,
                        num_model_requests=97,
                    ),
                ],
            ),
            bucket(
                "11-02",
                "11-03",
                [
                    completions(
                        GPT4O, "proj_research", output_tokens=700_000, num_model_requests=88
                    ),
                ],
            ),
        ]
    ),
)
# The reference's own examples, ungrouped (2024-11-01 buckets)
NOV_2024 = {"start_time": 1730419200, "end_time": 1730505600}
write(
    "ungrouped/costs.json",
    page(
        [
            {
                "object": "bucket",
                **NOV_2024,
                "results": [
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": 0.06, "currency": "usd"},
                        "line_item": None,
                        "project_id": None,
                    }
                ],
            }
        ]
    ),
)


def usage(kind: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {"object": f"organization.usage.{kind}.result"}
    row.update(fields)
    row.update({"project_id": None, "user_id": None, "api_key_id": None, "model": None})
    return row


write(
    "ungrouped/usage_completions.json",
    [
        page(
            [
                {
                    "object": "bucket",
                    **NOV_2024,
                    "results": [
                        {
                            "object": "organization.usage.completions.result",
                            "input_tokens": 1000,
                            "output_tokens": 500,
                            "input_cached_tokens": 800,
                            "num_model_requests": 5,
                            "project_id": None,
                            "user_id": None,
                            "api_key_id": None,
                            "model": None,
                            "batch": None,
                        }
                    ],
                }
            ],
            next_page="AAAAAGdGxdEiJdKOAAAAAGcqsYA=",
        ),
        page([]),
    ],
)
for kind, fields in {
    "embeddings": {"input_tokens": 16, "num_model_requests": 2},
    "images": {
        "images": 2,
        "num_model_requests": 2,
        "size": "1024x1024",
        "source": "image.generation",
    },
    "audio_speeches": {"characters": 45, "num_model_requests": 1},
    "audio_transcriptions": {"seconds": 20, "num_model_requests": 1},
}.items():
    write(
        f"ungrouped/usage_{kind}.json",
        page([{"object": "bucket", **NOV_2024, "results": [usage(kind, **fields)]}]),
    )
# usage/completions?group_by=api_key_id&group_by=model&group_by=batch (2026-11-05), on its own:
# the same days grouped two ways would count twice
write(
    "by_api_key/usage_completions_2026-11-05.json",
    page(
        [
            {
                "object": "bucket",
                "start_time": DAY["11-03"] + 2 * 86400,
                "end_time": DAY["11-03"] + 3 * 86400,
                "results": [
                    {
                        **completions(
                            GPT4O,
                            None,
                            input_tokens=3000,
                            output_tokens=1200,
                            input_cached_tokens=1000,
                            input_audio_tokens=40,
                            output_audio_tokens=60,
                            num_model_requests=9,
                        ),
                        "api_key_id": "key_abc",
                        "batch": False,
                    },
                    {
                        **completions(
                            GPT4O, None, input_tokens=500, output_tokens=100, num_model_requests=2
                        ),
                        "api_key_id": "key_def",
                        "batch": True,
                    },
                ],
            }
        ]
    ),
)
