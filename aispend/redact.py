"""Secrets out of everything aispend shows or stores: error lines, logs, status, meta tables.

A webhook URL carries its token in the path or the query, an S3 endpoint may carry
``user:password@``, a header its bearer token. Whatever text leaves aispend about a sink or a
source goes through ``redact``: URL userinfo, query values, the secret path of Slack and Teams
webhooks, and the values of the environment variables the config names for secrets become
``***``. The sink or source is still named, so the user knows which one failed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

MASK = "***"
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")
_QUERY_VALUE = re.compile(r"([?&;][^=&;#]*=)[^&;#]*")
#: Webhook services whose path is the secret: Slack's /services/T…/B…/<token>, Teams' and
#: Power Automate's /webhookb2/… and /workflows/…, Discord's /api/webhooks/<id>/<token>.
_SECRET_PATHS = re.compile(
    r"(hooks\.slack\.com/(?:services|workflows|triggers)/|/webhookb2/|/IncomingWebhook/|"
    r"/api/webhooks/|/workflows/)[^?#\s]*"
)
_HEADER = re.compile(
    r"(?i)\b(authorization|x-api-key|api-key|token|password)(\"?\s*[:=]\s*\"?)"
    r"[^\s\",}]+"
)
#: Environment variables whose values are secrets wherever they appear.
_SECRET_NAME = re.compile(r"(?i)(secret|token|password|passwd|key|webhook|credential|auth)")


def redact_url(url: str) -> str:
    url = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", url)
    url = _SECRET_PATHS.sub(lambda m: m.group(1) + MASK, url)
    return _QUERY_VALUE.sub(lambda m: m.group(1) + MASK, url)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL's secrets, header values and known secret values masked."""
    return redactor(secrets)(text)


def redactor(secrets: Iterable[str] = ()) -> Callable[[str], str]:
    """``redact`` with the secret values gathered once, for masking many texts in a row (every
    problem of a load)."""
    values = sorted(
        {s for s in (*secrets, *_secret_env_values()) if len(s) >= 12}, key=len, reverse=True
    )

    def apply(text: str) -> str:
        for value in values:
            text = text.replace(value, MASK)
        text = _URL.sub(lambda m: redact_url(m.group(0)), text)
        return _HEADER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)

    return apply


def _secret_env_values() -> list[str]:
    """Values of environment variables that hold secrets by their name (AWS_SECRET_ACCESS_KEY,
    SLACK_WEBHOOK_URL, SMTP_PASSWORD, …): they never appear in anything aispend writes."""
    return [
        value
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name) and not name.startswith(("PATH", "PYTHON"))
    ]
