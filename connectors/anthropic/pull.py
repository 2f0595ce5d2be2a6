"""How Anthropic's Admin API reports are pulled: the admin key in ``x-api-key`` with the API
version header, RFC 3339 ranges, daily buckets grouped the way the source reads them."""

from __future__ import annotations

from datetime import datetime

from connectors.model_api.pull import Endpoint, PullSpec


def _range(start: datetime, end: datetime) -> tuple[tuple[str, str], ...]:
    return (
        ("starting_at", start.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("ending_at", end.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )


PULL = PullSpec(
    base_url="https://api.anthropic.com",
    key_env="ANTHROPIC_ADMIN_KEY",
    headers=lambda key: {"x-api-key": key, "anthropic-version": "2023-06-01"},
    time_params=_range,
    endpoints=(
        Endpoint(
            "cost_report",
            "/v1/organizations/cost_report",
            (
                ("bucket_width", "1d"),
                ("group_by[]", "workspace_id"),
                ("group_by[]", "description"),
                ("limit", "31"),
            ),
        ),
        Endpoint(
            "usage_report_messages",
            "/v1/organizations/usage_report/messages",
            (
                ("bucket_width", "1d"),
                ("group_by[]", "model"),
                ("group_by[]", "workspace_id"),
                ("limit", "31"),
            ),
        ),
    ),
)
