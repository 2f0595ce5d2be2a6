"""`aispend report` renders in a real headless browser, and what it draws equals the marts."""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import duckdb
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network: without them Chromium keeps trying to reach Google's services.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def _mart(cli: Any, query: str) -> list[dict[str, Any]]:
    result = cli("sql", "--format", "json", query)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_report_draws_in_a_browser_and_its_figures_equal_the_marts(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    assert cli("demo").exit_code == 0
    result = cli("report", "--period", "2026-10", "--out", "out/report.html")
    assert result.exit_code == 0, result.output
    page_file = tmp_path / "out" / "report.html"
    html = page_file.read_text()
    assert "http://" not in html and "https://" not in html  # nothing fetched: works offline

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        charts = {
            c: page.locator(f"#{c} .mark").count()
            for c in ("daily-spend", "cumulative-spend", "top-runs", "idle-waste", "savings")
        }
        marks = page.evaluate("document.body.dataset.marks")
        run_bar = page.locator('#top-runs rect[data-label="llm-pretrain"]').get_attribute(
            "data-value"
        )
        spot_bar = page.locator('#savings rect[data-label^="spot:"]').get_attribute("data-value")
        page.locator('#top-runs rect[data-label="llm-pretrain"]').hover()
        tip = page.locator("#tip").inner_text()
        budget = page.locator("#budgets tbody tr").first.inner_text()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()

    assert errors == []
    assert all(count > 0 for count in charts.values()), charts
    assert int(marks) == sum(charts.values())  # the script ran over every mark
    [pretrain] = _mart(cli, "select cost from marts.run_cost where run_name = 'llm-pretrain'")
    assert D(str(run_bar)) == D(str(pretrain["cost"])) == 160
    [spot] = _mart(
        cli, "select savings from marts.savings where kind = 'spot' and billing_period = '2026-10'"
    )
    assert D(str(spot_bar)) == D(str(spot["savings"])) == 360
    assert "llm-pretrain: 160.00" in tip
    assert "aws-gpu-training" in budget and "80% forecast" in budget
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_report_without_a_warehouse_says_what_to_run(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("report")
    assert result.exit_code == 1
    assert "aispend run" in result.output


def test_progress_bar_draws_on_a_terminal_and_stays_quiet_elsewhere() -> None:
    import io

    from aispend.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    lines: list[str] = []
    screen = Terminal()
    bar = Progress(4, stream=screen)
    say = bar.wrap(lines.append)
    bar.step("period 2026-10")
    bar.advance()
    say("loaded")
    bar.advance()
    bar.close()
    assert lines == ["loaded"]
    assert "[" + "#" * 7 + "-" * 21 + "] 1/4 period 2026-10" in screen.getvalue()
    assert "] 2/4" in screen.getvalue() and screen.getvalue().endswith("\r\x1b[K")
    pipe = io.StringIO()  # not a terminal: nothing but the lines themselves
    quiet = Progress(4, stream=pipe)
    quiet.step("x")
    quiet.advance()
    quiet.wrap(lines.append)("more")
    assert pipe.getvalue() == "" and lines == ["loaded", "more"]


def test_mart_assets_carry_rows_totals_and_a_preview(tmp_path: Path) -> None:
    from dagster import AssetKey, AssetSelection, materialize

    from aispend.cli.run import run_pipeline
    from aispend.demo import demo_config
    from pipelines.definitions import build_graph

    config = demo_config(str(tmp_path / "wh.duckdb"))
    assert run_pipeline(config, None, lambda _: None).ok
    graph = build_graph(config)
    spans = AssetKey(["staging", "gpu_sample_spans"])
    keys = [AssetKey(["marts", "run_cost"]), AssetKey(["reports", "spend_report"]), spans]
    result = materialize([*graph.assets, *graph.checks], selection=AssetSelection.assets(*keys))
    events = {
        e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    runs = events[AssetKey(["marts", "run_cost"])]
    assert runs["rows"].value == 5
    # 198 + 160 + 40 + 40 + 27.50, the scenario's runs worked by hand
    assert runs["total cost (USD)"].value == 465.5
    assert "| llm-finetune |" in str(runs["preview"].value)  # the costliest run first
    # nothing loaded since the run: both kept, their metadata read from the built tables
    assert runs["build"].value == "kept" and events[spans]["build"].value == "kept"
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    count = con.execute("select count(*) from staging.gpu_sample_spans").fetchone()
    con.close()
    assert count and count[0] > 0 and events[spans]["rows"].value == count[0]
    report = events[AssetKey(["reports", "spend_report"])]
    assert report["period"].value == "2026-10"
    assert Path(str(report["path"].value)).read_text().startswith("<!doctype html>")
