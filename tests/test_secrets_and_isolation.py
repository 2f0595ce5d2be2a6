"""Secrets stay secret and one broken part never stops the rest, driven as a user drives it:
the real ``aispend`` script, failing sinks and sources, a local SMTP server with and without
TLS. Sentinel secrets must appear in no output and in no table of the warehouse it wrote."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import duckdb
import pytest
import trustme
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port, month_rows, run_aispend, write_focus

TOKEN = "sentinel-token-7f3a9c1e55"
PASSWORD = "sentinel-password-a1b2c3d4"
HEADER = "Bearer sentinel-header-9e8d7c6b"
S3_SECRET = "sentinel-s3-secret-0a0b0c0d"


def budget_config(folder: Path, alerts: dict[str, Any], sources: list[dict[str, Any]]) -> None:
    (folder / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": sources,
                "budgets": [
                    {
                        "name": "all",
                        "period": "monthly",
                        "amount": 1,
                        "thresholds": [{"percent": 100}],
                        "notify": list(alerts),
                    }
                ],
                "alerts": alerts,
            }
        )
    )


def everything_written(folder: Path) -> str:
    """Every value of every table in the warehouse and its read snapshot, read through SQL,
    plus every other file the run wrote (report, alert file, telemetry parts)."""
    seen = []
    for name in ("wh.duckdb", "wh.read.duckdb"):
        if not (folder / name).exists():
            continue
        con = duckdb.connect(str(folder / name), read_only=True)
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        for schema, table in tables:
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            seen += [repr(row) for row in rows]
        con.close()
    for path in folder.rglob("*"):
        written_by_us = path.name != "aispend.yaml"  # the user's own config holds an inline URL
        if (
            written_by_us
            and path.is_file()
            and not path.name.endswith((".duckdb", ".lock", ".wal", ".parquet"))
        ):
            seen.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(seen)


def test_no_secret_leaks_from_failing_sinks_and_sources(tmp_path: Path) -> None:
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["5.00"]))
    closed = free_port()
    budget_config(
        tmp_path,
        {
            "slack": {"kind": "slack", "webhook_url_env": "SLACK_HOOK"},
            "hook_env": {"kind": "webhook", "url_env": "HOOK_URL", "headers_env": "HOOK_HEADERS"},
            "hook_inline": {
                "kind": "webhook",
                "url": f"http://127.0.0.1:{closed}/hooks/x?token={TOKEN}",
            },
            "mail": {
                "kind": "email",
                "smtp_host": "127.0.0.1",
                "smtp_port": closed,
                "from": "a@example.com",
                "to": ["b@example.com"],
                "username_env": "SMTP_USER",
                "password_env": "SMTP_PASSWORD",
                "starttls": True,
            },
            "file": {"kind": "file", "path": "alerts.jsonl"},
        },
        [
            {"name": "bills", "kind": "focus", "path": "bills"},
            {
                "name": "lake",
                "kind": "focus",
                "path": "s3://no-such-bucket/focus/",
                "endpoint_url": f"http://admin:{S3_SECRET}@127.0.0.1:{closed}",
            },
        ],
    )
    env = {
        "SLACK_HOOK": f"hooks.slack.com/services/T000/B000/{TOKEN}",  # no scheme: broken
        "HOOK_URL": f"http://127.0.0.1:{closed}/x?key={TOKEN}",
        "HOOK_HEADERS": json.dumps({"Authorization": HEADER}),
        "SMTP_USER": "alerts",
        "SMTP_PASSWORD": PASSWORD,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    run = run_aispend(tmp_path, "run", env=env)
    check = run_aispend(tmp_path, "budgets", "check", "--period", "2026-10", env=env)
    status = run_aispend(tmp_path, "status", env=env)
    report = run_aispend(tmp_path, "report", "--period", "2026-10", env=env)

    assert run.returncode == 1  # the S3 source failed; the local bill loaded
    assert "lake: FAILED, nothing loaded from it" in run.stdout
    assert "bills 2026-10: loaded 1 rows" in run.stdout
    assert check.returncode == 1  # four sinks failed, each named; the file sink delivered
    for sink in ("slack", "hook_env", "hook_inline", "mail"):
        assert f"all 100% actual 2026-10 -> {sink}: alert sink '{sink}'" in check.stderr
    assert "Alert sent: all 100% actual 2026-10 -> file" in check.stdout
    assert json.loads((tmp_path / "alerts.jsonl").read_text())["budget"] == "all"
    outputs = [r.stdout + r.stderr for r in (run, check, status, report)]
    written = everything_written(tmp_path)
    for secret in (TOKEN, PASSWORD, HEADER, S3_SECRET, "sentinel-header"):
        for output in outputs:
            assert secret not in output
        assert secret not in written
    assert "Traceback" not in "".join(outputs)


def test_a_broken_sink_beside_a_working_one_is_retried_alone(tmp_path: Path) -> None:
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["5.00"]))
    budget_config(
        tmp_path,
        {
            "slack": {"kind": "slack", "webhook_url_env": "SLACK_HOOK"},
            "file": {"kind": "file", "path": "alerts.jsonl"},
        },
        [{"name": "bills", "kind": "focus", "path": "bills"}],
    )
    env = {"SLACK_HOOK": "not a url"}
    assert run_aispend(tmp_path, "run").returncode == 0
    first = run_aispend(tmp_path, "budgets", "check", "--period", "2026-10", env=env)
    second = run_aispend(tmp_path, "budgets", "check", "--period", "2026-10", env=env)
    assert first.returncode == second.returncode == 1
    assert "Alert sent: all 100% actual 2026-10 -> file" in first.stdout
    assert "-> file" not in second.stdout + second.stderr  # delivered once, never again
    assert (
        "all 100% actual 2026-10 -> slack: alert sink 'slack': $SLACK_HOOK is not an "
        "http(s) URL (kept pending" in second.stderr
    )
    assert len((tmp_path / "alerts.jsonl").read_text().splitlines()) == 1


class _Auth:
    """Accepts one login and remembers what reached the server."""

    def __init__(self) -> None:
        self.logins: list[tuple[bytes, bytes]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=True)


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def _smtp(tls: ssl.SSLContext | None, auth: _Auth, mailbox: _Mailbox) -> Controller:
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=tls,
        require_starttls=tls is not None,
        authenticator=auth,
        auth_require_tls=False,
        auth_exclude_mechanism=["CRAM-MD5"],
    )
    controller.start()
    return controller


@pytest.mark.parametrize("with_tls", [True, False])
def test_smtp_logs_in_only_after_tls(tmp_path: Path, with_tls: bool) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    auth, mailbox = _Auth(), _Mailbox()
    server = _smtp(server_context if with_tls else None, auth, mailbox)
    try:
        write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["5.00"]))
        budget_config(
            tmp_path,
            {
                "mail": {
                    "kind": "email",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": server.port,
                    "from": "aispend@example.com",
                    "to": ["finops@example.com"],
                    "username_env": "SMTP_USER",
                    "password_env": "SMTP_PASSWORD",
                    "starttls": with_tls,
                    "ca_file": str(tmp_path / "ca.pem"),
                }
            },
            [{"name": "bills", "kind": "focus", "path": "bills"}],
        )
        assert run_aispend(tmp_path, "run").returncode == 0
        env = {"SMTP_USER": "alerts", "SMTP_PASSWORD": PASSWORD}
        check = run_aispend(tmp_path, "budgets", "check", "--period", "2026-10", env=env)
    finally:
        server.stop()
    if with_tls:
        assert check.returncode == 0, check.stderr
        assert auth.logins == [(b"alerts", PASSWORD.encode())]  # over the TLS session
        assert len(mailbox.messages) == 1
    else:
        assert check.returncode == 1
        assert "refusing to send SMTP credentials without TLS" in check.stderr
        assert auth.logins == [] and mailbox.messages == []  # no credential reached it
