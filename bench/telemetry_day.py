"""Benchmark: one UTC day of 1-second nvidia-smi CSV from 64 GPUs (8 hosts x 8 = 5,529,600
samples) and that day's Slurm jobs, loaded by ``aispend run`` end to end on a new warehouse
(parse, stage, load the day, build every model up to ``marts.gpu_usage``, run the checks).

Baseline, measured in the same run on the same CSV files: DuckDB's
``CREATE TABLE AS SELECT * FROM read_csv(...)`` with default settings, into a new file. Target:
aispend at >= 1.0x the baseline (``x_baseline`` = baseline seconds / aispend seconds). Each step
runs in a fresh child process; peak memory is its VmHWM. After the run, every sample must be in
``marts.gpu_usage``: the sum of its ``samples`` equals the CSV files' data lines.

    python bench/telemetry_day.py               # 64 GPUs x 1 day
    python bench/telemetry_day.py --hosts 1     # 8 GPUs, a quick look
    python bench/telemetry_day.py --before /tmp/aispend-main   # also an earlier source tree

``--before DIR`` adds the same ``aispend run`` from another checkout (e.g. ``git archive main``
unpacked there; it must import with this interpreter), on its own new warehouse, in the same
run: before/after figures on the same files under the same load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.nightly import sacct  # noqa: E402
from bench.reports import add_results_option, write_results  # noqa: E402
from bench.steps import child  # noqa: E402
from bench.telemetry import write_host  # noqa: E402

RUN = """
import time
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
con.execute("CREATE TABLE smi AS SELECT * FROM read_csv({logs!r})")
con.close()
SECONDS = time.perf_counter() - start
"""


def day_config(folder: Path, name: str) -> Path:
    """A config loading the logs and the Slurm jobs into a new warehouse ``folder/name/``."""
    config = folder / f"{name}.yaml"
    config.write_text(
        f"warehouse: {folder / name / 'aispend.duckdb'}\nprices: {{fetch: false}}\nsources:\n"
        f"  - {{name: smi, kind: nvidia_smi, path: {folder / 'logs'}}}\n"
        f"  - {{name: slurm, kind: slurm, path: {folder / 'sacct'}}}\n"
    )
    return config


def in_gpu_usage(warehouse: Path) -> int:
    """The samples that marts.gpu_usage counts (read after the run, not timed)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("SELECT sum(samples) FROM marts.gpu_usage").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--before", type=Path, default=None, help="an earlier source tree")
    add_results_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aispend-bench-") as tmp:
        folder = Path(tmp)
        (folder / "logs").mkdir()
        (folder / "sacct").mkdir()
        print(f"Writing {args.hosts * 8} GPUs x 1 day of nvidia-smi CSV ...", flush=True)
        samples = sum(
            write_host(folder / "logs" / f"gpu-node-{h:02d}.csv", 1) for h in range(args.hosts)
        )
        runs = sacct(folder / "sacct" / "sacct.log", args.hosts, 86_400)
        config = day_config(folder, "aispend")
        results = {}
        print("  baseline: DuckDB CTAS from read_csv of the same files ...", flush=True)
        results["baseline_duckdb_ctas"] = child(
            BASELINE.format(db=str(folder / "base.duckdb"), logs=str(folder / "logs" / "*.csv"))
        )
        print("  aispend run (parse, load the day, models, checks) ...", flush=True)
        results["aispend_run"] = child(RUN.format(config=str(config)), show=30)
        counted = in_gpu_usage(folder / "aispend" / "aispend.duckdb")
        if args.before is not None:
            print(f"  aispend run from {args.before} ...", flush=True)
            results["aispend_run_before"] = child(
                RUN.format(config=str(day_config(folder, "before"))), cwd=args.before.resolve()
            )
            before = in_gpu_usage(folder / "before" / "aispend.duckdb")
            if before != counted:
                raise SystemExit(f"before: {before:,} samples in marts.gpu_usage, now {counted:,}")
    base = results["baseline_duckdb_ctas"]["seconds"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "samples": samples,
        "samples_in_gpu_usage": counted,
        "every_sample_counted": counted == samples,
        "runs": runs,
        "target": "aispend_run >= 1.0x baseline_duckdb_ctas",
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
    out = write_results(args.results, "telemetry_day", report)
    print(f"{samples:,} GPU samples ({counted:,} in marts.gpu_usage), {runs:,} Slurm jobs")
    for name, step in report["steps"].items():  # type: ignore[attr-defined]
        print(
            f"  {name:24s} {step['seconds']:8.2f} s  x baseline {step['x_baseline']:5.2f}  "
            f"peak {step['peak_mib']:,} MiB"
        )
    print(f"Written to {out}")
    if counted != samples:
        raise SystemExit(f"marts.gpu_usage counts {counted:,} samples, the CSV has {samples:,}")


if __name__ == "__main__":
    main()
