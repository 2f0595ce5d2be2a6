"""Benchmark: a month of 1-second nvidia-smi samples (default 8 hosts x 8 GPUs x 30 days =
165,888,000 samples) staged and loaded by aispend, against DuckDB reading the same CSV files
into a table (the baseline, measured in the same run). Each step runs in a fresh child process;
peak memory is its VmHWM. Results go to bench/results/telemetry_<date>.json; ``x_baseline`` is
baseline seconds / step seconds (above 1: faster than the baseline).

    make bench-telemetry            # the full month
    python bench/telemetry.py --hosts 1 --days 1   # a quick look
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.reports import add_results_option, write_results  # noqa: E402

HEADER = "timestamp, index, utilization.gpu [%], memory.used [MiB], power.draw [W]\n"


def day_lines(start: datetime, gpus: int = 8, every: int = 1) -> pl.Series:
    """One UTC day from ``start`` of ``gpus`` GPUs sampled every ``every`` seconds, as
    nvidia-smi writes the lines (utilization cycling 0/50/100 % every 10 minutes)."""
    seconds = pl.int_range(0, 86400, every, eager=True)
    frame = pl.DataFrame({"s": seconds}).join(
        pl.DataFrame({"gpu": pl.int_range(0, gpus, eager=True)}), how="cross"
    )
    stamp = pl.lit(start) + pl.duration(seconds=pl.col("s"))
    util = (pl.col("s") // 600 + pl.col("gpu")) % 3 * 50
    return frame.select(
        pl.format(
            "{}.000, {}, {} %, {} MiB, {} W",
            stamp.dt.strftime("%Y/%m/%d %H:%M:%S"),
            pl.col("gpu"),
            util,
            util * 100,
            (util * 6 + 70).cast(pl.Float64).round(2),
        )
    ).to_series()


def write_host(path: Path, days: int, gpus: int = 8) -> int:
    """One host's log, a day at a time (the generator itself stays small)."""
    start = datetime(2026, 10, 1)
    rows = 0
    with path.open("w") as handle:
        handle.write(HEADER)
        for day in range(days):
            lines = day_lines(start + timedelta(days=day), gpus)
            handle.write("\n".join(lines.to_list()) + "\n")
            rows += lines.len()
    return rows


CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
start = time.perf_counter()
if {step!r} == "baseline":
    import duckdb
    con = duckdb.connect({db!r})
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)",
                [{logs!r} + "/*.csv"])
    rows = con.execute("select count(*) from t").fetchone()[0]
    con.close()
else:
    from aispend.config import config_from_dict
    from aispend.telemetry_load import load_telemetry_day, stage, telemetry_days
    config = config_from_dict({{"warehouse": {db!r}, "sources": [
        {{"name": "smi", "kind": "nvidia_smi", "path": {logs!r}}}]}}, base_dir=Path("/"),
        origin="bench")
    staged = stage(config, config.sources[0])
    rows = sum(load_telemetry_day(config, config.sources[0], d, staged=staged).samples
               for d in telemetry_days(staged))
seconds = time.perf_counter() - start
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({{"rows": rows, "seconds": seconds, "peak_rss_mib": int(peak) / 1024}}))
"""


def run_step(step: str, logs: Path, db: Path) -> dict[str, float]:
    script = CHILD.format(root=str(ROOT), step=step, logs=str(logs), db=str(db))
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=None)
    add_results_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        began = time.perf_counter()
        total = sum(
            write_host(logs / f"gpu-node-{h:02d}.csv", args.days) for h in range(args.hosts)
        )
        print(f"generated {total:,} samples in {time.perf_counter() - began:.0f} s", flush=True)
        steps = {"baseline_duckdb_read_csv": run_step("baseline", logs, Path(tmp) / "b.duckdb")}
        print(steps, flush=True)
        steps["aispend_stage_and_load"] = run_step("aispend", logs, Path(tmp) / "a.duckdb")
    base = steps["baseline_duckdb_read_csv"]["seconds"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "samples": total,
        "hosts": args.hosts,
        "days": args.days,
        "steps": {k: {**v, "x_baseline": round(base / v["seconds"], 2)} for k, v in steps.items()},
    }
    write_results(args.results, "telemetry", report)
    for name, step in report["steps"].items():
        print(
            f"{name:28s} {step['seconds']:8.1f} s  x baseline {step['x_baseline']:5.2f}  "
            f"peak {step['peak_rss_mib']:,.0f} MiB  rows {step['rows']:,}"
        )


if __name__ == "__main__":
    main()
