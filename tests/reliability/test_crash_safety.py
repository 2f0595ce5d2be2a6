"""kill -9 inside a partition replace (insert, commit, checkpoint) leaves the warehouse as it was
before that partition, or with the partition fully replaced; the next run completes it."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from aispend.billing_load import load_billing_partition
from aispend.config import load_config
from aispend.warehouse import reader
from tests.conftest import write_config

ROWS = 120_000
ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from aispend.config import load_config
    from aispend.billing_load import load_billing_partition
    config = load_config({config!r})

    def step(name):
        print(name, flush=True)

    load_billing_partition(config, config.sources[0], "2026-10", on_step=step)
    print("exited", flush=True)
""")


def write_version(bills: Path, cost: str) -> None:
    bills.mkdir(parents=True, exist_ok=True)
    header = "BillingPeriodStart,ChargePeriodStart,ChargePeriodEnd,ProviderName,BilledCost\n"
    row = f"2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,2026-10-02T01:00:00Z,AWS,{cost}\n"
    (bills / "export.csv").write_text(header + row * ROWS)


def state(db: Path) -> tuple[int, Decimal]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select count(*), coalesce(sum(billed_cost), 0) from marts.cost_lines "
            "where x_source = 'bills' and x_billing_period = '2026-10'"
        ).fetchone()
        loads = con.execute("select count(*) from meta.loads where status = 'loaded'").fetchone()
    finally:
        con.close()
    assert row is not None and loads is not None
    return int(row[0]), Decimal(row[1])


def kill_during(config_path: Path, step: str, delay: float) -> str:
    """Start a load in a child process and kill -9 it ``delay`` s after it reports ``step``.
    Returns the last step the child had reported when it died."""
    script = CHILD.format(root=str(ROOT), config=str(config_path))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    seen = ""
    for line in child.stdout:
        seen = line.strip()
        if seen == step:
            time.sleep(delay)
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=60)
    rest = child.stdout.read().split()
    return rest[-1] if rest else seen


@pytest.mark.parametrize(
    ("step", "delays"),
    [
        ("insert", (0.0, 0.03, 0.08)),
        ("commit", (0.0, 0.02, 0.05)),
        ("checkpoint", (0.0, 0.02, 0.05)),
    ],
)
def test_kill_inside_a_replace_never_leaves_a_half_period(
    tmp_path: Path, step: str, delays: tuple[float, ...]
) -> None:
    bills = tmp_path / "bills"
    config_path = write_config(tmp_path, [{"name": "bills", "kind": "focus", "path": "bills"}])
    config = load_config(config_path)
    write_version(bills, "1.00")
    load_billing_partition(config, config.sources[0], "2026-10")
    old = (ROWS, Decimal(ROWS))
    assert state(config.warehouse_path) == old
    cost = "1.00"
    for delay in delays:
        cost = "2.00" if cost == "1.00" else "1.00"
        write_version(bills, cost)
        new = (ROWS, Decimal(cost) * ROWS)
        landed = kill_during(config_path, step, delay)
        after = state(config.warehouse_path)
        print(
            f"\nkill -9 at {step}+{delay}s: last step reported {landed!r}, "
            f"period {'replaced' if after == new else 'as before'}"
        )
        assert after in (old, new), f"half-loaded period after kill at {step}+{delay}s: {after}"
        # The readers' snapshot, refreshed by the next reader, is whole too.
        reader(config.warehouse_path).close()
        assert state(config.warehouse_path.with_name("wh.read.duckdb")) in (old, new)
        load_billing_partition(config, config.sources[0], "2026-10")  # the next run completes it
        assert state(config.warehouse_path) == new
        old = new
