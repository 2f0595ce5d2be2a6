"""Shared helpers: write FOCUS files and configs the way users would, and drive the CLI."""

from __future__ import annotations

import csv
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from moto.server import ThreadedMotoServer

from aispend.cli import main
from aispend.demo import DEMO_DATA

DATA = Path(__file__).resolve().parent / "data"
FOCUS_SAMPLE = DEMO_DATA / "focus" / "focus_sample.csv"

#: A minimal FOCUS row; tests override the fields they care about.
BASE_ROW = {
    "BillingPeriodStart": "2026-10-01T00:00:00Z",
    "BillingPeriodEnd": "2026-11-01T00:00:00Z",
    "ChargePeriodStart": "2026-10-05T00:00:00Z",
    "ChargePeriodEnd": "2026-10-05T01:00:00Z",
    "ProviderName": "AWS",
    "ChargeCategory": "Usage",
    "ServiceName": "Amazon Elastic Compute Cloud",
    "BilledCost": "1.00",
    "EffectiveCost": "1.00",
    "BillingCurrency": "USD",
}


def write_focus(
    path: Path, rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None
) -> Path:
    columns = list(columns or BASE_ROW)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**BASE_ROW, **row})
    return path


def month_rows(period: str, costs: Sequence[str]) -> list[dict[str, str]]:
    year, month = map(int, period.split("-"))
    nxt = f"{year + month // 12}-{month % 12 + 1:02d}"
    return [
        {
            "BillingPeriodStart": f"{period}-01T00:00:00Z",
            "BillingPeriodEnd": f"{nxt}-01T00:00:00Z",
            "ChargePeriodStart": f"{period}-02T{h:02d}:00:00Z",
            "ChargePeriodEnd": f"{period}-02T{h + 1:02d}:00:00Z",
            "BilledCost": c,
            "EffectiveCost": c,
        }
        for h, c in enumerate(costs)
    ]


#: The installed ``aispend`` script, for tests that need what a terminal sees (interpreter
#: teardown, exit codes of the real process) rather than CliRunner's capture.
SCRIPT = Path(sys.executable).parent / "aispend"


def run_aispend(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``aispend ARGS`` in ``folder`` as a subprocess, without the caller's config or warning
    settings; ``env`` adds variables."""
    base = {k: v for k, v in os.environ.items() if k not in ("AISPEND_CONFIG", "PYTHONWARNINGS")}
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, sources: list[dict[str, Any]], **extra: Any) -> Path:
    path = folder / "aispend.yaml"
    path.write_text(yaml.safe_dump({"warehouse": "wh.duckdb", "sources": sources, **extra}))
    return path


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``aispend ...`` in tmp_path as a user would, returning click's Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AISPEND_CONFIG", raising=False)

    def invoke(*args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
        logging.getLogger("dagster").setLevel(logging.CRITICAL)
        return result

    return invoke


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
