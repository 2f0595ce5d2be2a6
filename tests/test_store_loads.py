"""A parquet store's partitions are replaced whole: a restated period, a reload of the same
files, and a load killed at any step leave no duplicate rows and no half partition."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import boto3
import pytest

from aispend.billing_load import discover
from aispend.config import load_config
from aispend.storage import open_warehouse
from aispend.store.objects import LocalStore, open_store
from aispend.store.tables import read_only
from tests.conftest import month_rows, write_config, write_focus

ROOT = Path(__file__).resolve().parents[1]
PARTITION = Path("cost_lines/x_billing_period=2026-10/x_source=bills")


def setup_store(tmp_path: Path) -> Path:
    return write_config(
        tmp_path, [{"name": "bills", "kind": "focus", "path": "bills"}], store="store"
    )


def state(store: str, period: str = "2026-10") -> tuple[int, Decimal]:
    con = read_only(open_store(store))
    try:
        rows = con.execute(
            "select count(*), coalesce(sum(billed_cost), 0) from marts.cost_lines "
            "where x_source = 'bills' and x_billing_period = ?",
            [period],
        ).fetchall()
    finally:
        con.close()
    return int(rows[0][0]), Decimal(rows[0][1])


def control_total(store: str, period: str) -> Decimal:
    con = read_only(open_store(store))
    try:
        rows = con.execute(
            "select billed_cost from meta.control_totals where source = 'bills' and period = ?",
            [period],
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return Decimal(rows[0][0])


def test_a_restated_period_replaces_its_partition_and_a_reload_changes_nothing(
    tmp_path: Path,
) -> None:
    config = load_config(setup_store(tmp_path))
    source = config.sources[0]
    store = str(tmp_path / "store")
    write_focus(tmp_path / "bills" / "sep.csv", month_rows("2026-09", ["7.50"]))
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["1.00", "2.00", "3.00"]))
    for period in ("2026-09", "2026-10"):
        open_warehouse(config).load_billing(source, period)
    assert state(store) == (3, Decimal("6.00"))

    # The provider restates October: two lines, 5.00 + 0.25.
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["5.00", "0.25"]))
    pending = open_warehouse(config).changed_periods(discover(config, source), "bills")
    assert set(pending) == {"2026-10"}
    open_warehouse(config).load_billing(source, "2026-10")
    assert state(store) == (2, Decimal("5.25"))
    assert control_total(store, "2026-10") == Decimal("5.25")
    assert state(store, "2026-09") == (1, Decimal("7.50"))  # the other period is untouched

    open_warehouse(config).load_billing(source, "2026-10")  # the same files again
    assert state(store) == (2, Decimal("5.25"))
    assert [p.name for p in (tmp_path / "store" / PARTITION).iterdir()] == ["part-0.parquet"]
    assert open_warehouse(config).changed_periods(discover(config, source), "bills") == {}


def test_a_bad_restatement_keeps_the_partition_and_records_why(tmp_path: Path) -> None:
    config = load_config(setup_store(tmp_path))
    store = str(tmp_path / "store")
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["1.00", "2.00"]))
    open_warehouse(config).load_billing(config.sources[0], "2026-10")
    rows = month_rows("2026-10", ["4.00", "not-a-number"])
    write_focus(tmp_path / "bills" / "oct.csv", rows)
    with pytest.raises(Exception, match="oct.csv"):
        open_warehouse(config).load_billing(config.sources[0], "2026-10")
    assert state(store) == (2, Decimal("3.00"))
    con = read_only(open_store(store))
    try:
        failed = con.execute(
            "select status, message from meta.loads where status = 'failed'"
        ).fetchall()
        errors = con.execute(
            "select file, row_number, column_name from meta.load_errors"
        ).fetchall()
    finally:
        con.close()
    assert len(failed) == 1 and "oct.csv" in failed[0][1]
    assert any(f.endswith("oct.csv") and c == "BilledCost" for f, _, c in errors), errors


ROWS = 60_000
CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from aispend.config import load_config
    from aispend.store.loads import load_billing_to_store
    from aispend.store.objects import open_store
    config = load_config({config!r})
    load_billing_to_store(config, config.sources[0], "2026-10", open_store(config.store_uri),
                          on_step=lambda name: print(name, flush=True))
    print("exited", flush=True)
""")


def kill_during(config_path: Path, step: str, delay: float) -> None:
    script = CHILD.format(root=str(ROOT), config=str(config_path))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == step:
            time.sleep(delay)
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=120)


def write_version(bills: Path, cost: str) -> None:
    bills.mkdir(parents=True, exist_ok=True)
    header = "BillingPeriodStart,ChargePeriodStart,ChargePeriodEnd,ProviderName,BilledCost\n"
    row = f"2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,2026-10-02T01:00:00Z,AWS,{cost}\n"
    (bills / "export.csv").write_text(header + row * ROWS)


@pytest.mark.parametrize(
    "step",
    [
        "scratch insert",
        "export",
        "swap marts.cost_lines",
        "swap meta.control_totals",
        "swap meta.partition_files",
    ],
)
def test_a_killed_load_leaves_the_old_partition_or_the_new_one_whole(
    tmp_path: Path, step: str
) -> None:
    config_path = setup_store(tmp_path)
    config = load_config(config_path)
    store = str(tmp_path / "store")
    write_version(tmp_path / "bills", "1.00")
    open_warehouse(config).load_billing(config.sources[0], "2026-10")
    old, new = (ROWS, Decimal(ROWS)), (ROWS, Decimal(2 * ROWS))
    write_version(tmp_path / "bills", "2.00")
    for delay in (0.0, 0.05):
        kill_during(config_path, step, delay)
        after = state(store)
        assert after in (old, new), f"half or doubled partition after kill at {step}: {after}"
        assert [p.name for p in (tmp_path / "store" / PARTITION).iterdir()] == ["part-0.parquet"]
        pending = open_warehouse(config).changed_periods(
            discover(config, config.sources[0]), "bills"
        )
        # Until the manifest is swapped in, the period counts as changed: the next run reloads.
        assert after == new or pending == {"2026-10": pending["2026-10"]}
    open_warehouse(config).load_billing(config.sources[0], "2026-10")
    assert state(store) == new
    assert control_total(store, "2026-10") == Decimal(2 * ROWS)


def test_sweep_removes_what_killed_loads_left_and_nothing_in_flight(tmp_path: Path) -> None:
    staging = tmp_path / "_staging"
    staging.mkdir()
    left, in_flight = staging / "a1.part-0.parquet", staging / "b2.part-0.parquet"
    left.write_bytes(b"half a file")
    in_flight.write_bytes(b"being written")
    two_days_ago = time.time() - 2 * 86400
    os.utime(left, (two_days_ago, two_days_ago))
    assert LocalStore(tmp_path).sweep() == 1
    assert not left.exists() and in_flight.exists()


def test_on_s3_a_load_killed_while_swapping_leaves_one_whole_object(
    tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)  # inherited by the killed child
    boto3.client("s3").create_bucket(Bucket="lake-kill")
    config_path = write_config(
        tmp_path, [{"name": "bills", "kind": "focus", "path": "bills"}], store="s3://lake-kill/wh"
    )
    config = load_config(config_path)
    write_version(tmp_path / "bills", "1.00")
    open_warehouse(config).load_billing(config.sources[0], "2026-10")
    old, new = (ROWS, Decimal(ROWS)), (ROWS, Decimal(2 * ROWS))
    write_version(tmp_path / "bills", "2.00")
    prefix = f"wh/{PARTITION.as_posix()}/"
    for delay in (0.0, 0.02, 0.1):  # before, during and after the upload and the copy
        kill_during(config_path, "swap marts.cost_lines", delay)
        assert state("s3://lake-kill/wh") in (old, new)
        listed = boto3.client("s3").list_objects_v2(Bucket="lake-kill", Prefix=prefix)
        assert [o["Key"] for o in listed["Contents"]] == [prefix + "part-0.parquet"]
    open_warehouse(config).load_billing(config.sources[0], "2026-10")
    assert state("s3://lake-kill/wh") == new
