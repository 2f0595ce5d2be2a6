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
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


#: The run's lines shown: the sources' timings and the models' total, not every model's rows.
_SHOW = ("smi:", "slurm:", "took", "Done:")


def _median(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median seconds (the lower one of an even count), whole."""
    return sorted(steps, key=lambda step: step["seconds"])[(len(steps) - 1) // 2]


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
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the median is reported")
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
        trees = {"aispend_run": ROOT}
        if args.before is not None:
            trees["aispend_run_before"] = args.before.resolve()
        rounds: dict[str, list[dict[str, Any]]] = {"baseline_duckdb_ctas": []}
        rounds.update({name: [] for name in trees})
        counted: dict[str, int] = {}
        for round_ in range(args.repeat):  # the steps take turns: load on the VM hits them alike
            print(f"  round {round_ + 1}: DuckDB CTAS from read_csv of the same files ...")
            db = folder / f"base{round_}.duckdb"
            rounds["baseline_duckdb_ctas"].append(
                child(BASELINE.format(db=str(db), logs=str(folder / "logs" / "*.csv")))
            )
            db.unlink()
            for name, tree in trees.items():
                print(f"  round {round_ + 1}: {name} (aispend run from {tree}) ...", flush=True)
                config = day_config(folder, f"{name}{round_}")
                rounds[name].append(
                    child(RUN.format(config=str(config)), show=60, cwd=tree, only=_SHOW)
                )
                counted[name] = in_gpu_usage(folder / f"{name}{round_}" / "aispend.duckdb")
                shutil.rmtree(folder / f"{name}{round_}")
        results = {name: _median(steps) for name, steps in rounds.items()}
    base = results["baseline_duckdb_ctas"]["seconds"]
    every = counted["aispend_run"] == samples and len(set(counted.values())) == 1
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "samples": samples,
        "samples_in_gpu_usage": counted,
        "every_sample_counted": every,
        "repeat": args.repeat,
        "runs": runs,
        "target": "aispend_run >= 1.0x baseline_duckdb_ctas",
        "steps": {
            name: {
                "seconds": round(r["seconds"], 2),
                "all_seconds": [round(x["seconds"], 2) for x in rounds[name]],
                "peak_mib": r["peak_mib"],
                "x_baseline": round(base / r["seconds"], 2),
                "summary": r["summary"],
            }
            for name, r in results.items()
        },
    }
    out = write_results(args.results, "telemetry_day", report)
    print(f"{samples:,} GPU samples (in marts.gpu_usage: {counted}), {runs:,} Slurm jobs")
    for name, step in report["steps"].items():  # type: ignore[attr-defined]
        print(
            f"  {name:24s} {step['seconds']:8.2f} s  x baseline {step['x_baseline']:5.2f}  "
            f"peak {step['peak_mib']:,} MiB"
        )
    print(f"Written to {out}")
    if not every:
        raise SystemExit(f"marts.gpu_usage counts {counted} samples, the CSV has {samples:,}")


if __name__ == "__main__":
    main()
