"""Names on a bill are written by whoever can tag a resource: the report renders them as text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import month_rows, write_config, write_focus

EVIL = "<script>alert('tag')</script>"
SERVICE = "<img src=x onerror=alert(1)>"


def test_injected_markup_in_tags_and_services_is_escaped(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = month_rows("2026-10", ["7.00", "3.00"])
    for row in rows:
        row.update(
            {
                "ServiceName": SERVICE,
                "ConsumedQuantity": "1",
                "ConsumedUnit": "Hours",
                "ChargeCategory": "Usage",
                "SkuPriceDetails": '{"InstanceType": "p4d.24xlarge"}',
                "Tags": json.dumps({"training_run": EVIL, "team": EVIL}),
            }
        )
    columns = [*rows[0]]
    write_focus(tmp_path / "bills" / "oct.csv", rows, columns)
    write_config(
        tmp_path,
        [{"name": "bills", "kind": "focus", "path": "bills"}],
        budgets=[{"name": EVIL, "amount": 1}],
    )
    assert cli("run").exit_code == 0
    assert cli("budgets", "check", "--period", "2026-10").exit_code == 0
    assert cli("report", "--period", "2026-10", "--out", "r.html").exit_code == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    # the run, the team and the budget are shown, as text
    assert page.count("&lt;script&gt;alert(&#x27;tag&#x27;)&lt;/script&gt;") >= 2
