"""The bill-vs-export check for GCP billing and Azure cost exports: green on a clean load, fails
naming the period when the loaded data differs from the files it was loaded from, and lists (does
not fail) a period whose files were rewritten after its load."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from dagster import AssetCheckResult

from aispend.billing_load import load_billing_partition
from aispend.config import load_config
from aispend.export_totals import export_mismatches
from aispend.warehouse import writer
from connectors.registry import source_kind
from tests.conftest import write_config
from tests.gcp_exports import export_rows, flattened_csv, jsonl_gz

EA = Path(__file__).parent / "data" / "azure" / "ea"


def _load(cli, tmp_path: Path, kind: str, **extra: object):  # type: ignore[no-untyped-def]
    config_path = write_config(
        tmp_path, [{"name": "bills", "kind": kind, "path": "exports"}], **extra
    )
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "CHECK FAILED" not in result.output, result.output
    config = load_config(config_path)
    return config, config.sources[0]


def _restated() -> list[dict[str, object]]:
    """gcp_exports' rows with the A100 line 29.36 -> 30.36 and September's one line 0.40 ->
    0.50: both invoice months restated."""
    rows = export_rows()
    rows[0]["cost"], rows[-1]["cost"] = 30.36, 0.50
    return rows


def _tamper(config, period: str) -> None:  # type: ignore[no-untyped-def]
    """Damage the loaded data behind the loader's back: one cent-exact dollar more."""
    with writer(config.warehouse_path) as con:
        con.execute(
            "UPDATE marts.cost_lines SET billed_cost = billed_cost + 1 WHERE rowid = "
            "(SELECT min(rowid) FROM marts.cost_lines WHERE x_billing_period = ?)",
            [period],
        )


def test_gcp_jsonl_clean_load_passes_and_tampered_period_fails(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "billing-000000000000.json.gz").write_bytes(jsonl_gz(export_rows()))
    config, source = _load(cli, tmp_path, "gcp_billing")
    clean = export_mismatches(config, source)
    assert (clean.compared, clean.mismatches, clean.changed) == (["2026-09", "2026-10"], [], [])

    _tamper(config, "2026-10")
    [bad] = export_mismatches(config, source).mismatches
    # gcp_exports' worked totals: 202610 net = 62.16 cost - 18.35 credits = 43.81; +1 tampered
    assert (bad.period, bad.loaded, bad.in_files) == ("2026-10", D("44.81"), D("43.81"))


def test_a_load_that_differs_from_its_files_fails_the_run(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The check runs after each load, on the period loaded: a loader that lost a dollar of
    2026-10 (simulated by the check's own reader finding one more in the files) fails that run,
    naming the period and both totals."""
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "billing-000000000000.json.gz").write_bytes(jsonl_gz(export_rows()))
    _load(cli, tmp_path, "gcp_billing")
    kind = source_kind("gcp_billing")
    assert kind.export_total is not None
    read_total = kind.export_total

    def one_more(*args):  # type: ignore[no-untyped-def]
        return read_total(*args) + 1

    monkeypatch.setattr(
        "aispend.export_totals.source_kind", lambda name: replace(kind, export_total=one_more)
    )
    rerun = cli("run", "--period", "2026-10")
    assert rerun.exit_code == 1
    assert "CHECK FAILED billing/bills:export_totals" in rerun.output
    # gcp_exports' worked totals: 202610 net = 62.16 cost - 18.35 credits = 43.81
    assert "    period 2026-10, loaded 43.8100000000, in_files 44.81" in rerun.output
    # only the period loaded is compared: 2026-09 is not re-read by this run
    assert "period 2026-09" not in rerun.output


def test_gcp_csv_rewritten_after_load_is_listed_not_a_mismatch(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    exports = tmp_path / "exports"
    exports.mkdir()
    data = exports / "billing.csv"
    data.write_text(flattened_csv(export_rows()))
    config, source = _load(cli, tmp_path, "gcp_billing")
    assert export_mismatches(config, source).compared == ["2026-09", "2026-10"]

    # GCP restates both months in the same file name; the file is not reloaded yet.
    data.write_text(flattened_csv(_restated()))
    after = export_mismatches(config, source)
    assert (after.compared, after.mismatches, after.changed) == ([], [], ["2026-09", "2026-10"])
    # a run of one period reloads it, compares it, and lists the other as changed
    rerun = cli("run", "--period", "2026-10")
    assert rerun.exit_code == 0, rerun.output
    later = export_mismatches(config, source)
    assert (later.compared, later.mismatches, later.changed) == (["2026-10"], [], ["2026-09"])


def _csv_total(path: Path, column: str) -> D:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum((D(r[column]) for r in csv.DictReader(handle)), D(0))


def test_azure_billed_from_actual_export_and_tampered_period_fails(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(EA, tmp_path / "exports")
    config, source = _load(cli, tmp_path, "azure_cost")
    clean = export_mismatches(config, source)
    assert (clean.compared, clean.mismatches, clean.changed) == (["2023-09"], [], [])

    _tamper(config, "2023-09")
    [bad] = export_mismatches(config, source).mismatches
    actual = _csv_total(EA / "EA_ActualCost_Small.csv", "Cost")  # the invoice, not amortized
    assert actual != _csv_total(EA / "EA_AmortizedCost_Small.csv", "Cost")
    assert (bad.period, bad.in_files) == ("2023-09", actual)
    assert abs(bad.loaded - (actual + 1)) < D("0.005")


def test_azure_rewritten_after_load_is_listed_not_a_mismatch(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(EA, tmp_path / "exports")
    config, source = _load(cli, tmp_path, "azure_cost")
    path = tmp_path / "exports" / "EA_ActualCost_Small.csv"
    text = path.read_text(encoding="utf-8-sig")
    # the first line's Cost 3.25 restated to 4.25 (same size; the loaded data is not reloaded)
    path.write_text(
        "\ufeff" + text.replace(",1,3.25,3.25,3.25,USD,", ",1,3.25,4.25,3.25,USD,", 1),
        encoding="utf-8",
    )
    after = export_mismatches(config, source)
    assert (after.compared, after.mismatches, after.changed) == ([], [], ["2023-09"])


def test_gcp_on_a_parquet_store(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    exports = tmp_path / "exports"
    exports.mkdir()
    data = exports / "billing-000000000000.json.gz"
    data.write_bytes(jsonl_gz(export_rows()))
    config, source = _load(cli, tmp_path, "gcp_billing", store="lake")
    clean = export_mismatches(config, source)
    assert (clean.compared, clean.mismatches, clean.changed) == (["2026-09", "2026-10"], [], [])
    data.write_bytes(jsonl_gz(_restated()))
    after = export_mismatches(config, source)
    assert (after.compared, after.mismatches, after.changed) == ([], [], ["2026-09", "2026-10"])


@pytest.mark.parametrize("shape", ["csv", "jsonl", "ndjson.gzip"])
def test_the_check_reads_credit_objects_and_json_shapes_as_the_loader_does(
    tmp_path: Path, shape: str
) -> None:
    """A credit given as one object, JSON lines named .ndjson or compressed as .gzip: the
    check's own reader agrees with the loader instead of reporting a false mismatch."""
    from tests.test_billing_conformance import _CREDIT, _config, _csv, _gcp_september

    header, rows = _gcp_september()
    (tmp_path / "bills").mkdir()
    if shape == "csv":
        rows[0]["credits"] = json.dumps(_CREDIT)
        (tmp_path / "bills" / "gcp.csv").write_text(_csv(header, rows))
    else:
        lines = []
        for row in rows:
            record = {
                k: v for k, v in row.items() if k not in ("credits", "labels", "system_labels")
            }
            record["cost"] = float(row["cost"])
            record["credits"] = dict(_CREDIT)
            lines.append(json.dumps(record))
        body = ("\n".join(lines) + "\n").encode()
        name = "gcp.jsonl" if shape == "jsonl" else "gcp.ndjson.gzip"
        (tmp_path / "bills" / name).write_bytes(body if shape == "jsonl" else gzip.compress(body))
    config = _config(tmp_path, "gcp_billing", tmp_path / "bills")
    assert load_billing_partition(config, config.sources[0], "2026-09").status == "loaded"
    outcome = export_mismatches(config, config.sources[0])
    assert (outcome.compared, outcome.mismatches) == (["2026-09"], [])


FOCUS_SCENARIO = (
    Path(__file__).resolve().parent / "data" / "focus" / "commitment_discount_usage_scenario_1.csv"
)


def test_the_check_reads_a_gzip_bill_named_csv(tmp_path: Path) -> None:
    from tests.test_billing_conformance import _config

    (tmp_path / "bills").mkdir()
    (tmp_path / "bills" / "focus.csv").write_bytes(gzip.compress(FOCUS_SCENARIO.read_bytes()))
    config = _config(tmp_path, "focus", tmp_path / "bills")
    assert load_billing_partition(config, config.sources[0], "2023-01").status == "loaded"
    outcome = export_mismatches(config, config.sources[0])
    assert (outcome.compared, outcome.mismatches) == (["2023-01"], [])


def test_a_check_that_cannot_run_is_a_failed_check_with_its_reason() -> None:
    from pipelines.billing.checks import failed_if_raises

    def broken() -> AssetCheckResult:
        raise ValueError("cannot reach https://user:pw@example.com/x?token=abc123")

    result = failed_if_raises(broken)
    assert result.passed is False
    assert result.metadata["sample"].value == [  # type: ignore[union-attr]
        {"error": "could not run: ValueError: cannot reach https://***@example.com/x?token=***"}
    ]
