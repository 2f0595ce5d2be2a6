"""``aispend pull`` against a local HTTP server on 127.0.0.1 that serves the recorded pages
(tests/data/conformance/openai, anthropic) and checks each request's admin key: the pages are
fetched in full (``next_page`` followed), saved where the source reads them and loaded; the key
never appears in the output, the files, the logs or any table of the warehouse."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from connectors.model_api.pull import PullError, check_url
from tests.conftest import run_aispend

CONFORMANCE = Path(__file__).parent / "data" / "conformance"
OPENAI_KEY = "sk-admin-TESTONLY-5f0c1e2d3b4a69788796a5b4c3d2e1f0"
ANTHROPIC_KEY = "sk-ant-admin01-TESTONLY-00112233445566778899aabbccddeeff"


class RecordedApi:
    """Serves each endpoint's recorded pages, page by page by the ``page`` cursor; answers 401
    (echoing the key it was sent, as a careless server might) to a wrong key."""

    def __init__(self, routes: dict[str, list[Any]], check: Any):
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                requests.append((url.path, query))
                if not check(self.headers):
                    self._send(401, {"error": f"invalid key {self.headers.get('x-api-key')}"})
                    return
                pages = routes.get(url.path, [{"data": [], "has_more": False, "next_page": None}])
                index = int(query.get("page", ["p0"])[0][1:])
                self._send(200, pages[index])

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _paged(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recorded pages re-linked so the server's cursors are p1, p2, ..."""
    out = []
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        out.append({**page, "has_more": not last, "next_page": None if last else f"p{i + 1}"})
    return out


def _recorded(path: str) -> list[dict[str, Any]]:
    value = json.loads((CONFORMANCE / path).read_text())
    return value if isinstance(value, list) else [value]


@pytest.fixture
def apis() -> Iterator[tuple[RecordedApi, RecordedApi]]:
    openai = RecordedApi(
        {
            "/v1/organization/costs": _paged(
                _recorded("openai/grouped/costs_2026-10-31_2026-11-03.json")
            ),
            "/v1/organization/usage/completions": _paged(
                _recorded("openai/grouped/usage_completions_2026-11.json")
            ),
        },
        lambda h: h.get("Authorization") == f"Bearer {OPENAI_KEY}",
    )
    anthropic = RecordedApi(
        {
            "/v1/organizations/cost_report": _paged(
                _recorded("anthropic/grouped/cost_report_2026-10-31_2026-11-03.json")
            ),
            "/v1/organizations/usage_report/messages": _paged(
                _recorded("anthropic/grouped/usage_report_messages_2026-11.json")
            ),
        },
        lambda h: h.get("x-api-key") == ANTHROPIC_KEY and h.get("anthropic-version") is not None,
    )
    yield openai, anthropic
    openai.close()
    anthropic.close()


def _config(folder: Path, openai_url: str, anthropic_url: str) -> None:
    config = {
        "warehouse": "wh.duckdb",
        "sources": [
            {"name": "oai", "kind": "openai", "path": "oai", "endpoint_url": openai_url},
            {"name": "ant", "kind": "anthropic", "path": "ant", "endpoint_url": anthropic_url},
        ],
    }
    (folder / "aispend.yaml").write_text(yaml.safe_dump(config))


def _every_table(path: Path) -> str:
    """Every row of every table and view in the warehouse file, as text."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        assert len(tables) > 20
        return "\n".join(
            repr(con.execute(f'select * from "{schema}"."{name}"').fetchall())
            for schema, name in tables
        )


def test_pull_fetches_every_page_loads_them_and_never_keeps_the_key(
    tmp_path: Path, apis: tuple[RecordedApi, RecordedApi]
) -> None:
    openai, anthropic = apis
    _config(tmp_path, openai.url, anthropic.url)
    env = {"OPENAI_ADMIN_KEY": OPENAI_KEY, "ANTHROPIC_ADMIN_KEY": ANTHROPIC_KEY}
    outputs = []
    for name in ("oai", "ant"):
        pulled = run_aispend(tmp_path, "pull", name, "--days", "3", env=env)
        assert pulled.returncode == 0, pulled.stderr
        outputs.append(pulled.stdout + pulled.stderr)
    # the costs pages were followed to the end: the first request, then page p1
    costs = [q for path, q in openai.requests if path == "/v1/organization/costs"]
    assert [q.get("page") for q in costs] == [None, ["p1"]]
    assert costs[0]["group_by"] == ["project_id", "line_item"]
    assert costs[0]["bucket_width"] == ["1d"]
    reports = [q for path, q in anthropic.requests if path == "/v1/organizations/cost_report"]
    assert [q.get("page") for q in reports] == [None, ["p1"]]
    assert reports[0]["group_by[]"] == ["workspace_id", "description"]
    assert len(list((tmp_path / "oai").glob("*.json"))) == 7  # costs and six usage endpoints
    assert len(list((tmp_path / "ant").glob("*.json"))) == 2

    loaded = run_aispend(tmp_path, "run", env=env)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    outputs.append(loaded.stdout + loaded.stderr)
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        totals = con.execute(
            "select provider, x_billing_period, sum(billed_cost) from marts.cost_lines "
            "where x_ai_report = 'cost' group by 1, 2 order by 1, 2"
        ).fetchall()
    # the same hand sums as the recorded files (test_model_api.py)
    assert [(p, m, str(c.normalize())) for p, m, c in totals] == [
        ("Anthropic", "2026-10", "3"),
        ("Anthropic", "2026-11", "11.1314"),
        ("OpenAI", "2026-10", "4.81"),
        ("OpenAI", "2026-11", "10.0925"),
    ]
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        assert all(key not in text for text in outputs)
        assert key not in _every_table(tmp_path / "wh.duckdb")
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path


def test_a_refused_key_fails_in_one_line_without_the_key(
    tmp_path: Path, apis: tuple[RecordedApi, RecordedApi]
) -> None:
    openai, anthropic = apis
    _config(tmp_path, openai.url, anthropic.url)
    wrong = "sk-ant-admin01-WRONGKEY-ffeeddccbbaa99887766554433221100"
    result = run_aispend(tmp_path, "pull", "ant", env={"ANTHROPIC_ADMIN_KEY": wrong})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: ant: cost_report: the API answered HTTP 401 Unauthorized"
    ]
    assert wrong not in result.stdout + result.stderr
    assert not list((tmp_path / "ant").glob("*.json"))


def test_pull_needs_the_key_in_the_environment(tmp_path: Path) -> None:
    _config(tmp_path, "https://api.openai.com", "https://api.anthropic.com")
    result = run_aispend(tmp_path, "pull", "oai", env={"OPENAI_ADMIN_KEY": ""})
    assert result.returncode == 2
    assert "set OPENAI_ADMIN_KEY to an admin key" in result.stderr


@pytest.mark.parametrize(
    "url", ["http://api.openai.com", "http://10.0.0.5:8080", "ftp://127.0.0.1", "https://"]
)
def test_keys_go_over_https_only_except_to_this_machine(url: str) -> None:
    with pytest.raises(PullError, match="https only"):
        check_url(url)
    check_url("https://api.openai.com")
    check_url("http://127.0.0.1:8080")
    check_url("http://localhost:8080")
