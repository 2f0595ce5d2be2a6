"""Fetch the last days of a provider's admin-API pages and save them as the files its source
reads, so the nightly run can pull before it loads.

The admin key is taken from the environment by the caller and only ever placed in a request
header: it is never written to a file, a URL or a message. Requests go over TLS; plain HTTP is
allowed for a server on this machine only (tests, a local proxy). Responses are bounded in size
and a pull stops after ``MAX_PAGES`` pages, so a server that keeps saying ``has_more`` cannot make
it run forever.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.model_api.pages import MAX_BYTES

MAX_PAGES = 500
TIMEOUT_S = 60
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class PullError(Exception):
    """A pull that could not finish: the endpoint and the reason, never the key."""


@dataclass(frozen=True)
class Endpoint:
    name: str  # file name stem: costs, usage_completions, ...
    path: str
    params: tuple[tuple[str, str], ...]  # fixed query parameters (group_by, bucket_width, limit)


@dataclass(frozen=True)
class PullSpec:
    """How one provider's admin API is pulled: base URL, the environment variable holding the
    admin key, its auth headers, how a time range is written, and the endpoints."""

    base_url: str
    key_env: str
    headers: Callable[[str], dict[str, str]]
    time_params: Callable[[datetime, datetime], tuple[tuple[str, str], ...]]
    endpoints: tuple[Endpoint, ...]


def check_url(url: str) -> None:
    """https, or http to this machine only."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS:
        return
    raise PullError(
        f"{parts.scheme}://{parts.hostname or ''}: admin keys are sent over https only "
        "(plain http only to 127.0.0.1 or localhost)"
    )


def pull(
    spec: PullSpec,
    key: str,
    out_dir: Path,
    days: int,
    *,
    base_url: str | None = None,
    now: datetime | None = None,
    opener: Callable[..., Any] = urllib.request.urlopen,
) -> list[Path]:
    """Every endpoint's pages for the last ``days`` whole UTC days and today so far, one file of
    pages per endpoint; returns the files written."""
    base = (base_url or spec.base_url).rstrip("/")
    check_url(base)
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    day_end = end.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    start = day_end - timedelta(days=days + 1)
    stamp = end.strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for endpoint in spec.endpoints:
        params = [*spec.time_params(start, day_end), *endpoint.params]
        pages = _pages(base + endpoint.path, params, spec.headers(key), opener, endpoint.name)
        target = out_dir / f"{endpoint.name}_{start:%Y-%m-%d}_{day_end:%Y-%m-%d}_{stamp}.json"
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(pages, indent=1) + "\n")
        partial.replace(target)  # a reader never sees half a pull
        written.append(target)
    return written


def _pages(
    url: str,
    params: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    opener: Callable[..., Any],
    name: str,
) -> list[Any]:
    pages: list[Any] = []
    cursor: str | None = None
    while True:
        query = [*params, *([("page", cursor)] if cursor else [])]
        request = urllib.request.Request(
            f"{url}?{urllib.parse.urlencode(query)}", headers=dict(headers), method="GET"
        )
        page = _fetch(request, opener, name)
        pages.append(page)
        if not isinstance(page, dict) or page.get("has_more") is not True:
            return pages
        cursor = page.get("next_page")
        if not isinstance(cursor, str) or not cursor:
            raise PullError(f"{name}: page {len(pages)} says has_more but gives no next_page")
        if len(pages) >= MAX_PAGES:
            raise PullError(f"{name}: more than {MAX_PAGES} pages; pull fewer days")


def _fetch(request: urllib.request.Request, opener: Callable[..., Any], name: str) -> Any:
    try:
        with opener(request, timeout=TIMEOUT_S) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise PullError(f"{name}: the API answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PullError(f"{name}: cannot reach the API ({reason})") from None
    if len(body) > MAX_BYTES:
        raise PullError(f"{name}: a page over {MAX_BYTES} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise PullError(f"{name}: the API answered something that is not a JSON page") from None
