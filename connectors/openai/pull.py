"""How OpenAI's Costs and Usage APIs are pulled: bearer auth with an admin key, unix-second
ranges, daily buckets grouped the way the source reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.model_api.pull import Endpoint, PullSpec


def _range(start: datetime, end: datetime) -> tuple[tuple[str, str], ...]:
    return (
        ("start_time", str(int(start.replace(tzinfo=UTC).timestamp()))),
        ("end_time", str(int(end.replace(tzinfo=UTC).timestamp()))),
    )


_USAGE = (("bucket_width", "1d"), ("group_by", "model"), ("group_by", "project_id"))

PULL = PullSpec(
    base_url="https://api.openai.com",
    key_env="OPENAI_ADMIN_KEY",
    headers=lambda key: {"Authorization": f"Bearer {key}", "Accept": "application/json"},
    time_params=_range,
    endpoints=(
        Endpoint(
            "costs",
            "/v1/organization/costs",
            (
                ("bucket_width", "1d"),
                ("group_by", "project_id"),
                ("group_by", "line_item"),
                ("limit", "180"),
            ),
        ),
        *(
            Endpoint(f"usage_{name}", f"/v1/organization/usage/{name}", (*_USAGE, ("limit", "31")))
            for name in (
                "completions",
                "embeddings",
                "moderations",
                "images",
                "audio_speeches",
                "audio_transcriptions",
            )
        ),
    ),
)
