"""Budgets and alerts against real local servers: an HTTP server for Slack and webhooks, an SMTP
server (aiosmtpd) for email, a file; figures worked by hand from the bill below."""

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller

from tests.conftest import free_port, write_focus

D = Decimal


def october_bill(path: Path) -> None:
    """Oct 1-10: one p5.48xlarge hour a day (8 GPU-hours), effective 80.00 USD (billed 100.00);
    days 1-5 tagged team research / run llm-7b, days 6-10 team vision / run vit-l; plus one
    Microsoft line of 50.00 EUR on Oct 3."""
    rows = []
    for day in range(1, 11):
        team, run = ("research", "llm-7b") if day <= 5 else ("vision", "vit-l")
        rows.append(
            {
                "BillingPeriodStart": "2026-10-01T00:00:00Z",
                "BillingPeriodEnd": "2026-11-01T00:00:00Z",
                "ChargePeriodStart": f"2026-10-{day:02d}T10:00:00Z",
                "ChargePeriodEnd": f"2026-10-{day:02d}T11:00:00Z",
                "ProviderName": "AWS",
                "ServiceName": "Amazon Elastic Compute Cloud",
                "BilledCost": "100.00",
                "EffectiveCost": "80.00",
                "BillingCurrency": "USD",
                "ChargeCategory": "Usage",
                "ConsumedQuantity": "1",
                "ConsumedUnit": "Hours",
                "SkuPriceDetails": '{"InstanceType": "p5.48xlarge"}',
                "Tags": json.dumps({"team": team, "training_run": run}),
            }
        )
    rows.append(
        {
            "BillingPeriodStart": "2026-10-01T00:00:00Z",
            "BillingPeriodEnd": "2026-11-01T00:00:00Z",
            "ChargePeriodStart": "2026-10-03T00:00:00Z",
            "ChargePeriodEnd": "2026-10-04T00:00:00Z",
            "ProviderName": "Microsoft",
            "ServiceName": "Virtual Machines",
            "BilledCost": "50.00",
            "EffectiveCost": "50.00",
            "BillingCurrency": "EUR",
            "ChargeCategory": "Usage",
            "Tags": "{}",
        }
    )
    write_focus(path, rows, columns=list(rows[0]))


class Inbox:
    """A local HTTP server that records every POST body by path."""

    def __init__(self, port: int = 0):
        received: list[tuple[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, Mailbox, int]]:
    inbox, mailbox = Inbox(), Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"http://127.0.0.1:{inbox.port}/slack")
    yield inbox, mailbox, smtp.port
    smtp.stop()
    inbox.close()


def write_budget_config(folder: Path, smtp_port: int, hook_port: int) -> None:
    october_bill(folder / "bills" / "oct.csv")
    config = {
        "warehouse": "wh.duckdb",
        "sources": [{"name": "bills", "kind": "focus", "path": "bills"}],
        "budgets": [
            {
                "name": "aws-usd",
                "scope": {"provider": "AWS"},
                "period": "monthly",
                "amount": 1000,
                "thresholds": [{"percent": 80, "on": "actual"}, {"percent": 100, "on": "forecast"}],
                "notify": ["ops", "ml-slack", "finance", "log"],
            },
            {
                "name": "vision",
                "scope": {"team": "vision"},
                "amount": 600,
                "thresholds": [{"percent": 80, "on": "actual"}, {"percent": 100, "on": "forecast"}],
                "notify": ["log"],
            },
            {
                "name": "gpu",
                "scope": {},
                "gpu_hours": 300,
                "thresholds": [{"percent": 80, "on": "actual"}, {"percent": 100, "on": "forecast"}],
                "notify": ["log"],
            },
        ],
        "alerts": {
            "ops": {"kind": "webhook", "url": f"http://127.0.0.1:{hook_port}/hook"},
            "ml-slack": {"kind": "slack", "webhook_url_env": "SLACK_WEBHOOK_URL"},
            "finance": {
                "kind": "email",
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp_port,
                "from": "aispend@example.com",
                "to": ["finops@example.com"],
            },
            "log": {"kind": "file", "path": "alerts.jsonl"},
        },
    }
    (folder / "aispend.yaml").write_text(yaml.safe_dump(config))


def test_thresholds_fire_exactly_once_with_the_figures_worked_by_hand(
    cli, servers, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inbox, mailbox, smtp_port = servers
    write_budget_config(tmp_path, smtp_port, inbox.port)
    loaded = cli("run")
    assert loaded.exit_code == 0
    # The nightly graph evaluates budgets after the loads: for the current month (no October
    # spend in it) nothing crosses, so nothing is sent yet.
    assert "marts.budget_status" in loaded.output and not inbox.received
    result = cli("budgets", "check", "--period", "2026-10")
    assert result.exit_code == 0, result.output
    # aws-usd: 10 days x 80.00 = 800.00 USD = 80 % of 1,000 (the EUR line is another currency);
    # forecast 800 / 10 days x 31 days = 2,480.00 = 248 %: both thresholds cross.
    # vision: days 6-10, 5 x 80 = 400.00 = 66.7 % of 600: below 80 % actual; forecast 400 / 10
    # x 31 = 1,240.00 = 206.7 %: only the forecast threshold crosses.
    # gpu: 10 x 8 = 80 GPU-hours = 26.7 % of 300; forecast 248 = 82.7 %: nothing crosses.
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[2:5]}
    assert lines["aws-usd"][3:8] == ["1000", "800.00", "80.00", "2480.00", "248.00"]
    assert lines["vision"][3:8] == ["600", "400.00", "66.70", "1240.00", "206.70"]
    assert lines["gpu"][2:8] == ["GPU-hours", "300", "80.00", "26.70", "248.00", "82.70"]
    assert "800.00 USD over the first 10 of 31 days of 2026-10" in result.output

    sent = [line for line in result.output.splitlines() if line.startswith("Alert sent:")]
    assert sorted(sent) == sorted(
        [
            f"Alert sent: aws-usd {t} 2026-10 -> {sink}"
            for t in ("80% actual", "100% forecast")
            for sink in ("ops", "ml-slack", "finance", "log")
        ]
        + ["Alert sent: vision 100% forecast 2026-10 -> log"]
    )

    hooks = [body for path, body in inbox.received if path == "/hook"]
    slack = [body for path, body in inbox.received if path == "/slack"]
    assert len(hooks) == 2 and len(slack) == 2 and len(mailbox.messages) == 2
    actual_alert = next(b for b in hooks if b["threshold"] == {"percent": 80, "on": "actual"})
    assert (D(actual_alert["actual"]), D(actual_alert["forecast"])) == (D(800), D(2480))
    assert actual_alert["currency"] == "USD" and actual_alert["period"] == "2026-10"
    assert actual_alert["top_contributors"]["teams"] == [
        {"name": "research", "value": "400.0000000000"},
        {"name": "vision", "value": "400.0000000000"},
    ]
    assert {r["name"] for r in actual_alert["top_contributors"]["runs"]} == {"llm-7b", "vit-l"}
    assert any(
        "crossed 80% actual for 2026-10: actual 800.00 USD of 1,000.00 USD (80.0%)" in b["text"]
        for b in slack
    )
    assert all("aws-usd" in m["Subject"] for m in mailbox.messages)
    logged = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert len(logged) == 3

    again = cli("budgets", "check", "--period", "2026-10")
    assert again.exit_code == 0
    assert "Alert sent" not in again.output
    assert "Already alerted (not sent again): aws-usd 80% actual 2026-10" in again.output
    assert len(inbox.received) == 4 and len(mailbox.messages) == 2
    history = cli(
        "sql",
        "--format",
        "csv",
        "select budget, count(*) as n from marts.budget_status where period = '2026-10' "
        "group by 1 order by 1",
    )
    assert history.output.splitlines() == ["budget,n", "aws-usd,2", "gpu,2", "vision,2"]


def test_a_down_sink_is_an_error_and_its_alert_is_retried_once_it_is_up(
    cli, servers, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inbox, mailbox, smtp_port = servers
    hook_port = free_port()  # nothing listens here yet
    write_budget_config(tmp_path, smtp_port, hook_port)
    assert cli("run").exit_code == 0
    first = cli("budgets", "check", "--period", "2026-10", "--as-of", "2026-10-10")
    assert first.exit_code == 1
    assert f"cannot reach http://127.0.0.1:{hook_port}/hook" in first.output
    assert "kept pending, retried on the next check" in first.output
    assert len([p for p, _ in inbox.received if p == "/slack"]) == 2  # the others still went out
    pending = cli(
        "sql",
        "--format",
        "csv",
        "select sink, status, attempts from meta.alerts where sink = 'ops' order by threshold",
    )
    assert pending.output.splitlines() == ["sink,status,attempts", "ops,pending,1", "ops,pending,1"]

    late = Inbox(hook_port)
    try:
        second = cli("budgets", "check", "--period", "2026-10", "--as-of", "2026-10-10")
        assert second.exit_code == 0, second.output
        assert len(late.received) == 2
        third = cli("budgets", "check", "--period", "2026-10", "--as-of", "2026-10-10")
        assert third.exit_code == 0 and len(late.received) == 2
    finally:
        late.close()
    assert len([p for p, _ in inbox.received if p == "/slack"]) == 2


def test_as_of_moves_the_forecast_and_currencies_are_never_added(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    october_bill(tmp_path / "bills" / "oct.csv")
    (tmp_path / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [{"name": "bills", "kind": "focus", "path": "bills"}],
                "budgets": [
                    {"name": "all", "amount": 100},
                    {"name": "eur", "amount": 100, "currency": "EUR"},
                    {"name": "daily", "period": "daily", "amount": 100, "scope": {"run": "vit-l"}},
                    {
                        "name": "quarter",
                        "period": "quarterly",
                        "amount": 10000,
                        "scope": {"tag": "team=research"},
                    },
                ],
            }
        )
    )
    assert cli("run").exit_code == 0
    result = cli("budgets", "check", "--as-of", "2026-10-04")
    assert result.exit_code == 1
    assert "budget 'all': its scope spends in EUR, USD; set `currency:`" in result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[2:5]}
    # EUR: the one 50.00 line on Oct 3; forecast 50 / 4 days x 31 = 387.50.
    assert rows["eur"][1:8] == ["2026-10", "EUR", "100", "50.00", "50.00", "387.50", "387.50"]
    # daily, run vit-l: nothing on Oct 4 (vit-l starts Oct 6), so no currency either.
    assert rows["daily"][1:4] == ["2026-10-04", "100", "0.00"]
    # quarterly, team research: Oct 1-4 = 320.00 over 4 of 92 days -> 7,360.00.
    assert rows["quarter"][1] == "2026-Q4"
    assert rows["quarter"][4:7] == ["320.00", "3.20", "7360.00"]
