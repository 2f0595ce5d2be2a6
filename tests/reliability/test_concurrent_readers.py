"""Readers query while the writer loads: no lock errors, no half-loaded period, no waiting, and
the writer never fails because readers (including one that never lets go) are present."""

import json
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

from aispend.billing_load import load_billing_partition
from aispend.config import load_config
from tests.conftest import write_config
from tests.reliability.test_crash_safety import write_version

ROOT = Path(__file__).resolve().parents[2]
LOADS = 6

WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from aispend.config import load_config
    from aispend.billing_load import load_billing_partition
    from tests.reliability.test_crash_safety import write_version
    config = load_config({config!r})
    for n in range({loads}):
        write_version(Path({bills!r}), "2.00" if n % 2 == 0 else "1.00")
        load_billing_partition(config, config.sources[0], "2026-10")
    print("writer done", flush=True)
""")

READER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from aispend.warehouse import reader
    deadline = time.monotonic() + {seconds}
    results = []
    held = reader(Path({db!r})) if {hold} else None
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            con = held or reader(Path({db!r}))
            query = "select count(*), sum(billed_cost) from marts.cost_lines"
            total = con.execute(query).fetchone()
            if held is None:
                con.close()
            results.append({{"ok": True, "rows": total[0], "sum": str(total[1]),
                             "seconds": time.monotonic() - started}})
        except Exception as exc:
            results.append({{"ok": False, "error": repr(exc)}})
        time.sleep(0.02)
    print(json.dumps(results), flush=True)
""")


def test_readers_see_whole_periods_and_never_block_the_writer(tmp_path: Path) -> None:
    bills = tmp_path / "bills"
    config_path = write_config(tmp_path, [{"name": "bills", "kind": "focus", "path": "bills"}])
    config = load_config(config_path)
    write_version(bills, "1.00")
    load_billing_partition(config, config.sources[0], "2026-10")
    db = str(config.warehouse_path)

    def spawn(script: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    readers = [
        spawn(READER.format(root=str(ROOT), db=db, seconds=12, hold=hold))
        for hold in (False, False, False, True)
    ]  # the last one never lets go (a BI tool)
    time.sleep(1.5)
    writer = spawn(
        WRITER.format(root=str(ROOT), config=str(config_path), loads=LOADS, bills=str(bills))
    )
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert "writer done" in out

    results = []
    for proc in readers:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    rows = 120_000
    whole = {(rows, str(Decimal("1.00") * rows)), (rows, str(Decimal("2.00") * rows))}
    queries = [r for result in results for r in result]
    assert all(r["ok"] for r in queries), [r for r in queries if not r["ok"]][:3]
    seen = {(r["rows"], str(Decimal(r["sum"]).quantize(Decimal("0.01")))) for r in queries}
    assert seen <= whole, f"a reader saw a half-loaded period: {seen - whole}"
    assert max(r["seconds"] for r in queries) < 3.0  # never waits on the writer
    looping = [r for result in results[:3] for r in result]
    assert len({r["sum"] for r in looping}) == 2  # readers did see the loads land
    assert len(queries) > 100
    print(
        f"\nreaders held: {len(readers)} (1 never closing), writer loads: {LOADS}, "
        f"queries: {len(queries)}, slowest: {max(r['seconds'] for r in queries):.3f} s"
    )
