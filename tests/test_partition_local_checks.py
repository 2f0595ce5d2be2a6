"""A load's checks look at the period it loaded. In a parquet store, periods load in parallel
processes and each swaps its tables in one after another; a check reading every period could see
another process's period between its data swap and its control-totals swap and fail a good load
(what CI once caught in test_spark_engine). These tests hold a store in exactly that state."""

from __future__ import annotations

from pathlib import Path

from aispend.config import load_config
from aispend.export_totals import export_mismatches
from aispend.sql_models import sql_project
from aispend.storage import open_warehouse
from aispend.store.layout import LOADED
from tests.conftest import write_config
from tests.gcp_exports import export_rows, jsonl_gz


def _store_between_swaps(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Both months of the GCP export in a store, then 2026-10 as a parallel load leaves it
    mid-swap: its cost lines in, its control totals not yet."""
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "billing-000000000000.json.gz").write_bytes(jsonl_gz(export_rows()))
    path = write_config(
        tmp_path,
        [{"name": "bills", "kind": "gcp_billing", "path": "exports"}],
        store="lake",
    )
    result = cli("run")
    assert result.exit_code == 0, result.output
    prefix = LOADED["meta.control_totals"].partition_prefix("2026-10", "bills")
    [totals] = list((tmp_path / "lake" / prefix).glob("*.parquet"))
    totals.unlink()
    return load_config(path)


def test_a_period_check_ignores_a_period_another_load_is_swapping(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = _store_between_swaps(cli, tmp_path)
    [reconcile] = [c for c in sql_project().checks if c.name == "cost_lines_reconcile"]
    warehouse = open_warehouse(config)

    own = warehouse.run_check(reconcile, {"source": "bills", "period": "2026-09"})
    assert (own.passed, own.failures) == (True, 0)
    # Read across every period, the same store shows 2026-10 without its totals: the race.
    every = warehouse.run_check(reconcile, {"source": "bills", "period": None})
    assert (every.passed, every.failures) == (False, 1)
    assert every.sample[0][0] == "2026-10"


def test_the_export_check_reads_only_the_period_loaded(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = _store_between_swaps(cli, tmp_path)
    source = config.sources[0]
    assert export_mismatches(config, source, "2026-09").compared == ["2026-09"]
    assert export_mismatches(config, source, "2026-10").compared == ["2026-10"]
    assert export_mismatches(config, source).compared == ["2026-09", "2026-10"]
