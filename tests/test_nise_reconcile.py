"""koku-nise bills for AWS, Azure and GCP (tests/data/conformance/*/nise/, written by
make_nise.py) load through aispend and reconcile to the cent, period by period, with each export's
own total summed here with Python's csv and Decimal, apart from any aispend code."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from aispend.billing_load import load_billing_partition
from aispend.config import load_config
from tests.conftest import write_config

CONFORMANCE = Path(__file__).parent / "data" / "conformance"
CENT = Decimal("0.01")


def _csv_rows(folder: Path) -> Iterator[dict[str, str]]:
    for path in sorted(p for p in folder.rglob("*") if p.name.endswith((".csv", ".csv.gz"))):
        data = path.read_bytes()
        text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8-sig")
        yield from csv.DictReader(io.StringIO(text))


def _aws_totals(folder: Path) -> dict[str, Decimal]:
    """lineItem/UnblendedCost per billing period (legacy names, or CUR 2.0 snake_case)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in _csv_rows(folder):
        start = row.get("bill/BillingPeriodStartDate") or row["bill_billing_period_start_date"]
        cost = row.get("lineItem/UnblendedCost") or row["line_item_unblended_cost"]
        totals[start[:7]] += Decimal(cost)
    return dict(totals)


def _azure_totals(folder: Path) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in _csv_rows(folder):
        cost = row.get("CostInBillingCurrency") or row["costInBillingCurrency"]
        totals[row["BillingPeriodStartDate"][:7]] += Decimal(cost)
    return dict(totals)


def _gcp_totals(folder: Path) -> dict[str, Decimal]:
    """cost + the credits' amounts per invoice.month."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in _csv_rows(folder):
        month = row["invoice.month"]
        credits = json.loads(row["credits"] or "[]")
        totals[f"{month[:4]}-{month[4:]}"] += Decimal(row["cost"]) + sum(
            (Decimal(str(c["amount"])) for c in credits), Decimal(0)
        )
    return dict(totals)


CASES = [
    ("aws_cur", CONFORMANCE / "aws_cur" / "nise" / "cur", _aws_totals),
    ("aws_cur", CONFORMANCE / "aws_cur" / "nise" / "cur2_csv", _aws_totals),
    ("azure_cost", CONFORMANCE / "azure_cost" / "nise" / "export", _azure_totals),
    ("azure_cost", CONFORMANCE / "azure_cost" / "nise" / "nise_gz", _azure_totals),
    ("gcp_billing", CONFORMANCE / "gcp_billing" / "nise" / "export", _gcp_totals),
    ("gcp_billing", CONFORMANCE / "gcp_billing" / "nise" / "nise_gz", _gcp_totals),
]


@pytest.mark.parametrize(
    ("kind", "folder", "totals"), CASES, ids=[f"{k}-{f.name}" for k, f, _ in CASES]
)
def test_nise_export_reconciles_to_the_cent_per_period(
    tmp_path: Path, kind: str, folder: Path, totals: Callable[[Path], dict[str, Decimal]]
) -> None:
    shutil.copytree(folder, tmp_path / "bills")
    config = load_config(write_config(tmp_path, [{"name": "nise", "kind": kind, "path": "bills"}]))
    expected = totals(folder)
    assert sorted(expected) == ["2026-09", "2026-10"]  # two billing periods, as generated
    for period in expected:
        result = load_billing_partition(config, config.sources[0], period)
        assert result.status == "loaded", (period, result.problems)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        loaded = dict(
            con.execute(
                "select x_billing_period, sum(billed_cost) from marts.cost_lines group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    assert {p: Decimal(t).quantize(CENT) for p, t in loaded.items()} == {
        p: t.quantize(CENT) for p, t in expected.items()
    }


def test_the_generated_totals_are_the_ones_worked_by_hand() -> None:
    """The independent sums above, checked against the static YAML files by hand."""
    aws = _aws_totals(CONFORMANCE / "aws_cur" / "nise" / "cur")
    # 2026-09: 6 h x 9.8318 (p4d spot) + 4 h x 1.7014 (g5 spot) = 58.9908 + 6.8056 = 65.7964
    # 2026-10: 3 h x 32.7726 (p4d) + 5 h x 0.23 (S3, written 0.22999999999999998) = 99.4678
    assert {p: t.quantize(CENT) for p, t in aws.items()} == {
        "2026-09": Decimal("65.80"),
        "2026-10": Decimal("99.47"),
    }
    # Azure: 3 days x 81.6 = 244.80 (VM, 2026-09); 3 days x 0.2 = 0.60 (storage, 2026-10)
    assert _azure_totals(CONFORMANCE / "azure_cost" / "nise" / "export") == {
        "2026-09": Decimal("244.8"),
        "2026-10": Decimal("0.6"),
    }
    # GCP: 24 hourly rows x 2.48 = 59.52 (2026-09); 24 x 0.35 = 8.40 (2026-10); no credits
    assert _gcp_totals(CONFORMANCE / "gcp_billing" / "nise" / "export") == {
        "2026-09": Decimal("59.52"),
        "2026-10": Decimal("8.40"),
    }
