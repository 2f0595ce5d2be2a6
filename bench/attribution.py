"""Benchmark: GPU samples attributed to Slurm runs by aispend's SQL models, exact to the sample,
against two baselines measured in the same run on the same samples: polars ``join_asof`` (the
fastest exact method we know) and DuckDB's ``ASOF JOIN``.

Default: 64 GPUs (8 hosts x 8) x 1 day of 1-second samples (5,529,600) and Slurm jobs that hold
whole nodes one after another, durations 60 s to 12 h (Pareto), gaps up to 10 minutes. The
samples are written straight into ``raw.gpu_samples`` (parsing is measured by bench/telemetry.py).
aispend's step rebuilds ``staging.gpu_sample_spans``, ``staging.runs`` and
``staging.run_gpu_hours``; every method's GPU-seconds per run must agree exactly.

    python bench/attribution.py               # 64 GPUs x 1 day
    python bench/attribution.py --days 0.1    # a smoke run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from aispend.warehouse import writer  # noqa: E402
from bench.reports import add_results_option, write_results  # noqa: E402
from dbt_like import discover  # noqa: E402
from dbt_like.runner import run_model  # noqa: E402

START = datetime(2026, 10, 1)
MODELS = (
    "staging.gpu_samples",
    "staging.gpu_sample_spans",
    "staging.scheduled_runs",
    "staging.run_gpu_hours",
)


def jobs(hosts: int, seconds: int, seed: int = 11) -> pl.DataFrame:
    """Whole-node jobs per host, back to back with gaps: (run_id, host, start_s, end_s)."""
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(hosts):
        t = int(rng.integers(0, 600))
        while t < seconds:
            length = int(min(43_200, 60 * (rng.pareto(1.1) + 1)))
            end = min(t + length, seconds)
            rows.append((f"slurm:bench:{h}-{t}", f"node-{h:02d}", t, end))
            t = end + int(rng.integers(0, 600))
    return pl.DataFrame(rows, schema=["run_id", "host", "start_s", "end_s"], orient="row")


def load(con: duckdb.DuckDBPyConnection, hosts: int, seconds: int, runs: pl.DataFrame) -> int:
    con.execute(
        """INSERT INTO raw.gpu_samples (x_source, day, host, gpu_index, ts, util_pct)
        SELECT 'smi', DATE '2026-10-01', 'node-' || lpad(CAST(h AS VARCHAR), 2, '0'), g,
               TIMESTAMP '2026-10-01' + to_seconds(s),
               CASE WHEN hash(h, g, s // 300) % 10 = 0 THEN 0 ELSE hash(h, g, s) % 100 END
        FROM range(?) AS a(h), range(8) AS b(g), range(?) AS c(s)""",
        [hosts, seconds],
    )
    scheduled = runs.with_columns(  # noqa: F841 (read by DuckDB by name)
        started_at=pl.lit(START) + pl.duration(seconds=pl.col("start_s")),
        ended_at=pl.lit(START) + pl.duration(seconds=pl.col("end_s")),
    )
    con.execute(
        """INSERT INTO raw.scheduler_jobs (x_source, day, run_id, run_name, started_at,
               ended_at, gpu_count, hosts, state)
        SELECT 'slurm', DATE '2026-10-01', run_id, run_id, started_at, ended_at, 8, [host],
               'COMPLETED' FROM scheduled"""
    )
    return hosts * 8 * seconds


def aispend_models(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    project = discover(ROOT / "sql")
    params = {"idle_util_pct": 5.0, "run_tag": "training_run", "team_tag": "team"}
    for name in MODELS:
        run_model(con, project.models[name], params)
    return con.sql(
        "SELECT run_id, sum(gpu_s) AS gpu_s FROM staging.run_gpu_hours GROUP BY run_id"
    ).pl()


def polars_asof(con: duckdb.DuckDBPyConnection, runs: pl.DataFrame) -> pl.DataFrame:
    samples = con.sql(
        "SELECT host, CAST(epoch(ts) - epoch(TIMESTAMP '2026-10-01') AS BIGINT) "
        "AS s FROM raw.gpu_samples"
    ).pl()
    started = time.perf_counter()
    joined = (
        samples.sort("s")
        .join_asof(runs.sort("start_s"), left_on="s", right_on="start_s", by="host")
        .filter(pl.col("s") < pl.col("end_s"))
    )
    result = joined.group_by("run_id").agg(pl.len().cast(pl.Float64).alias("gpu_s"))
    return result.with_columns(pl.lit(time.perf_counter() - started).alias("seconds"))


def duckdb_asof(con: duckdb.DuckDBPyConnection, runs: pl.DataFrame) -> pl.DataFrame:
    scheduled = runs  # noqa: F841 (read by DuckDB by name)
    return con.sql(
        """SELECT j.run_id, CAST(count(*) AS DOUBLE) AS gpu_s
        FROM (SELECT host, epoch(ts) - epoch(TIMESTAMP '2026-10-01') AS s
              FROM raw.gpu_samples) AS x
        ASOF JOIN scheduled AS j ON x.host = j.host AND x.s >= j.start_s
        WHERE x.s < j.end_s GROUP BY j.run_id"""
    ).pl()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--days", type=float, default=1.0)
    add_results_option(parser)
    args = parser.parse_args()
    seconds = int(args.days * 86_400)
    runs = jobs(args.hosts, seconds)
    with (
        tempfile.TemporaryDirectory(prefix="aispend-bench-") as tmp,
        writer(Path(tmp) / "w.duckdb", publish=False) as con,
    ):
        samples = load(con, args.hosts, seconds, runs)
        con.execute("CHECKPOINT")
        timings: dict[str, float] = {}
        started = time.perf_counter()
        ours = aispend_models(con)
        timings["aispend_models"] = time.perf_counter() - started
        started = time.perf_counter()
        asof = duckdb_asof(con, runs)
        timings["duckdb_asof"] = time.perf_counter() - started
        fastest = polars_asof(con, runs)
        timings["polars_join_asof"] = float(fastest["seconds"][0])
    exact = _same(ours, fastest.drop("seconds")) and _same(asof, fastest.drop("seconds"))
    report = summarize(timings, samples, len(runs), exact)
    out = write_results(args.results, "attribution", report)
    print(f"{samples:,} samples, {len(runs):,} runs; GPU-seconds per run agree: {exact}")
    for name, step in report["steps"].items():
        print(
            f"  {name:18s} {step['seconds']:7.2f} s {step['samples_per_second']:>14,} "
            f"samples/s  x polars {step['x_polars_join_asof']:5.2f}  "
            f"x duckdb asof {step['x_duckdb_asof']:5.2f}"
        )
    print(f"Written to {out}")


def _same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    joined = a.join(b, on="run_id", how="full", coalesce=True, suffix="_b").fill_null(0)
    return bool((joined["gpu_s"] - joined["gpu_s_b"]).abs().max() < 1e-6)  # type: ignore[operator]


def summarize(timings: dict[str, float], samples: int, runs: int, exact: bool) -> dict[str, object]:
    """Ratios are baseline seconds / step seconds: above 1 is faster than the baseline."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "samples": samples,
        "runs": runs,
        "gpu_seconds_agree": exact,
        "target": "aispend_models >= 10M samples/s",
        "steps": {
            name: {
                "seconds": round(s, 3),
                "samples_per_second": round(samples / s),
                "x_polars_join_asof": round(timings["polars_join_asof"] / s, 2),
                "x_duckdb_asof": round(timings["duckdb_asof"] / s, 2),
            }
            for name, s in timings.items()
        },
    }


if __name__ == "__main__":
    main()
