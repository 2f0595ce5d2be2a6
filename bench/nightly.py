"""Benchmark: the nightly refresh, as a user runs it: ``aispend run`` on a warehouse that already
holds the month, when the open month of CUR is re-delivered (10 M line items) and one new day
of 64-GPU telemetry arrives (8 hosts x 8 GPUs x 86,400 s = 5,529,600 nvidia-smi samples as
CSV) with that day's Slurm jobs. It restates the month, loads the day, rebuilds every model and
runs every check. Target: under 90 s.

Baseline, measured in the same run on the same files: DuckDB loading them with default
settings, ``CREATE TABLE AS`` from ``read_parquet`` of the month and ``read_csv`` of the logs,
into a new file. Each step runs in a fresh child process; peak memory is its VmHWM.

    python bench/nightly.py                       # 10 M lines + 1 day of 64 GPUs
    python bench/nightly.py --rows 200000 --hosts 1   # a smoke run
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.attribution import jobs  # noqa: E402
from bench.cur_data import EXPORT, write_month  # noqa: E402
from bench.reports import add_results_option, write_results  # noqa: E402
from bench.steps import child  # noqa: E402
from bench.telemetry import write_host  # noqa: E402

RUN = """
import time, sys
from aispend.cli import main
start = time.perf_counter()
try:
    main(["--config", {config!r}, "run"], standalone_mode=False)
finally:
    SECONDS = time.perf_counter() - start
"""
BASELINE = """
import duckdb, time
start = time.perf_counter()
con = duckdb.connect({db!r})
con.execute("CREATE TABLE cur AS SELECT * FROM read_parquet({parquet!r})")
con.execute("CREATE TABLE smi AS SELECT * FROM read_csv({logs!r})")
con.close()
SECONDS = time.perf_counter() - start
"""


def sacct(path: Path, hosts: int, seconds: int) -> int:
    """The day's Slurm jobs in ``sacct --parsable2`` order (no header): whole-node jobs."""
    runs = jobs(hosts, seconds)
    lines = []
    for index, (_, host, start, end) in enumerate(runs.iter_rows()):
        started = datetime.fromtimestamp(1_790_812_800 + start, UTC)  # 2026-10-01T00:00Z
        ended = datetime.fromtimestamp(1_790_812_800 + end, UTC)
        stamp = "%Y-%m-%dT%H:%M:%S"
        lines.append(
            "|".join(
                [
                    str(1000 + index),
                    str(1000 + index),
                    "bench",
                    "gpu",
                    "normal",
                    "ml",
                    "ml",
                    "100",
                    "alice",
                    "1000",
                    started.strftime(stamp),
                    started.strftime(stamp),
                    started.strftime(stamp),
                    ended.strftime(stamp),
                    "00:00:00",
                    "0:0",
                    "COMPLETED",
                    "1",
                    "64",
                    "64",
                    "0",
                    "cpu=64,gres/gpu=8,node=1",
                    "billing=64,cpu=64,gres/gpu=8,node=1",
                    "1-00:00:00",
                    host.replace("node-", "gpu-node-"),
                    f"train-{index}",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return len(runs)


def config(folder: Path, with_telemetry: bool) -> Path:
    sources = [f"  - {{name: cur, kind: aws_cur, path: {folder / EXPORT}}}"]
    if with_telemetry:
        sources += [
            f"  - {{name: smi, kind: nvidia_smi, path: {folder / 'logs'}}}",
            f"  - {{name: slurm, kind: slurm, path: {folder / 'sacct'}}}",
        ]
    path = folder / ("nightly.yaml" if with_telemetry else "month.yaml")
    path.write_text(
        f"warehouse: {folder / 'aispend.duckdb'}\nprices: {{fetch: false}}\n"
        "sources:\n" + "\n".join(sources) + "\n"
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--hosts", type=int, default=8)
    add_results_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aispend-bench-") as tmp:
        folder = Path(tmp)
        print(
            f"Writing {args.rows:,} CUR line items and {args.hosts * 8} GPUs x 1 day ...",
            flush=True,
        )
        write_month(folder, args.rows)
        (folder / "logs").mkdir()
        (folder / "sacct").mkdir()
        samples = sum(
            write_host(folder / "logs" / f"gpu-node-{h:02d}.csv", 1) for h in range(args.hosts)
        )
        runs = sacct(folder / "sacct" / "sacct.log", args.hosts, 86_400)
        parquet = str(folder / EXPORT / "data" / "*" / "*.parquet")
        print("  the month already loaded (setup, not timed) ...", flush=True)
        child(RUN.format(config=str(config(folder, False))))
        results = {}
        print("  baseline: DuckDB CTAS of the same files ...", flush=True)
        results["baseline_duckdb_ctas"] = child(
            BASELINE.format(
                db=str(folder / "base.duckdb"), parquet=parquet, logs=str(folder / "logs" / "*.csv")
            )
        )
        # The provider re-delivers the open month (same names, new stamps): a plain nightly
        # `aispend run` reloads only what changed, so the month must look re-delivered.
        for path in (folder / EXPORT).rglob("*"):
            os.utime(path)
        print("  aispend run (restate the month, load the day, models, checks) ...", flush=True)
        results["aispend_nightly_run"] = child(
            RUN.format(config=str(config(folder, True))), show=40
        )
    base = results["baseline_duckdb_ctas"]["seconds"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "samples": samples,
        "runs": runs,
        "target": "aispend_nightly_run < 90 s",
        "steps": {
            name: {
                "seconds": round(r["seconds"], 2),
                "peak_mib": r["peak_mib"],
                "x_baseline": round(base / r["seconds"], 2),
                "summary": r["summary"],
            }
            for name, r in results.items()
        },
    }
    out = write_results(args.results, "nightly", report)
    print(f"{args.rows:,} CUR lines, {samples:,} GPU samples, {runs:,} Slurm jobs")
    for name, step in report["steps"].items():  # type: ignore[attr-defined]
        print(
            f"  {name:24s} {step['seconds']:8.2f} s  x baseline {step['x_baseline']:5.2f}  "
            f"peak {step['peak_mib']:,} MiB"
        )
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
