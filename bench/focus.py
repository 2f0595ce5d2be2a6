"""Benchmark: a FOCUS CSV month (1 M and 10 M rows) loaded into marts.cost_lines by aispend,
against DuckDB loading the same file, measured in the same run:

- ``ctas_default``: ``CREATE TABLE AS SELECT * FROM read_csv(...)`` into a new file with DuckDB's
  default settings (the issue's baseline: "put this CSV in a DuckDB file");
- ``ctas_same_settings``: the same with aispend's writer settings (insertion order off, 2 GB).

The file is the third-party FOCUS 1.0 sample bundled with the demo (1,000 anonymized real rows,
FinOps-Open-Cost-and-Usage-Spec/FOCUS-Sample-Data, CC-BY-4.0: every column and value form a
real export has) repeated to the size asked for. Each step runs in a fresh child process; its
peak memory is the child's VmHWM. Ratios are baseline seconds / step seconds (above 1: faster).

    make bench-focus                         # 1 M and 10 M rows
    python bench/focus.py --rows 1000000     # one size
    python bench/focus.py --before ../before # also the load of an earlier tree (git worktree)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.reports import add_results_option, write_results  # noqa: E402
from bench.steps import child  # noqa: E402

SAMPLE = ROOT / "aispend" / "demo_data" / "focus" / "focus_sample.csv"
PERIOD = "2024-09"

CTAS = """
import duckdb, time
start = time.perf_counter()
con = duckdb.connect({db!r}, config={config})
con.execute("CREATE TABLE t AS SELECT * FROM read_csv({path!r})")
con.close()
SECONDS = time.perf_counter() - start
"""

AISPEND = """
import time
from pathlib import Path
from aispend.config import config_from_dict
from aispend.storage import open_warehouse
config = config_from_dict({{"warehouse": {db!r}, "prices": {{"fetch": False}},
    "sources": [{{"name": "focus", "kind": "focus", "path": {path!r}}}]}},
    base_dir=Path({folder!r}), origin="bench")
start = time.perf_counter()
result = open_warehouse(config).load_billing(config.sources[0], {period!r})
assert result.status == "loaded" and result.rows == {rows}, result
SECONDS = time.perf_counter() - start
"""


def in_period() -> int:
    """Rows of the sample in PERIOD (a few of its rows are in the month after)."""
    import duckdb

    query = "SELECT count(*) FROM read_csv(?) WHERE strftime(BillingPeriodStart, '%Y-%m') = ?"
    found = duckdb.execute(query, [str(SAMPLE), PERIOD]).fetchone()
    assert found is not None
    return int(found[0])


def grow(path: Path, rows: int) -> int:
    """The sample's data rows repeated until the file holds ``rows`` of them (whole copies)."""
    header, *body = [line for line in SAMPLE.read_bytes().split(b"\n") if line.strip()]
    copies = max(1, rows // len(body))
    block = b"\n".join(body) + b"\n"
    with path.open("wb") as out:
        out.write(header + b"\n")
        for _ in range(copies):
            out.write(block)
    return copies * len(body)


def measure(folder: Path, rows: int, before: Path | None) -> dict[str, dict[str, float]]:
    path = folder / "focus.csv"
    written = grow(path, rows)
    print(f"{written:,} FOCUS rows ({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)
    expected = written // 1000 * in_period()
    same = {"preserve_insertion_order": False, "memory_limit": "2GB"}
    db = str(folder / "aispend.duckdb")
    load = AISPEND.format(db=db, path=str(path), folder=str(folder), period=PERIOD, rows=expected)
    steps = {
        "ctas_default": CTAS.format(db=str(folder / "a.duckdb"), config={}, path=str(path)),
        "ctas_same_settings": CTAS.format(db=str(folder / "b.duckdb"), config=same, path=str(path)),
        "aispend_load": load,
        "aispend_restate_same_period": load,
    }
    trees = {name: ROOT for name in steps}
    if before is not None:  # the same load by an earlier source tree, on the same file
        steps["before_load"] = load.replace("aispend.duckdb", "before.duckdb")
        trees["before_load"] = before
    results = {}
    for name, code in steps.items():
        print(f"  {name} ...", flush=True)
        results[name] = child(code, cwd=trees[name])
    for name in ("a.duckdb", "b.duckdb", "aispend.duckdb", "before.duckdb", "focus.csv"):
        (folder / name).unlink(missing_ok=True)
    return {"rows": written, **results}  # type: ignore[dict-item]


def summarize(results: dict[str, dict[str, float]], rows: int) -> dict[str, object]:
    base = results["ctas_default"]["seconds"]
    same = results["ctas_same_settings"]["seconds"]
    return {
        "rows": rows,
        "steps": {
            name: {
                "seconds": round(r["seconds"], 2),
                "rows_per_second": round(rows / r["seconds"]),
                "x_ctas_default": round(base / r["seconds"], 2),
                "x_ctas_same_settings": round(same / r["seconds"], 2),
                "peak_mib": r["peak_mib"],
            }
            for name, r in results.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--before",
        type=Path,
        help="an earlier checkout (git worktree) whose load is timed too, on the same file",
    )
    add_results_option(parser)
    args = parser.parse_args()
    sizes = []
    with tempfile.TemporaryDirectory(prefix="aispend-bench-") as tmp:
        for rows in args.rows:
            measured = measure(Path(tmp), rows, args.before)
            written = int(measured.pop("rows"))  # type: ignore[call-overload]
            sizes.append(summarize(measured, written))
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "sizes": sizes,
        "targets": {
            "load >= 1.0x ctas_default": "x_ctas_default of aispend_load",
            "peak <= 2048 MiB": "peak_mib of aispend_load",
        },
    }
    out = write_results(args.results, "focus", report)
    print(
        f"{'rows':>11s} {'step':28s} {'seconds':>8s} {'x ctas':>7s} {'x same':>7s} {'peak MiB':>9s}"
    )
    for size in sizes:
        steps = size["steps"]
        assert isinstance(steps, dict)
        for name, s in steps.items():
            print(
                f"{size['rows']:11,} {name:28s} {s['seconds']:8.2f} {s['x_ctas_default']:7.2f} "
                f"{s['x_ctas_same_settings']:7.2f} {s['peak_mib']:9,}"
            )
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
