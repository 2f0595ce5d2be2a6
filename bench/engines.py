"""Benchmark (information, not a target): the SQL models on a parquet store holding a CUR 2.0
month (default 10 M line items), run by DuckDB and by Spark in local mode on this machine.

The month is loaded into the store once (aispend's loader, timed as ``store_load``); then each
engine rebuilds every model from it in a fresh child process, session start included. The
ratio is DuckDB's seconds / the step's seconds (above 1 is faster than DuckDB). Peak memory is
the Python process's VmHWM; Spark's work happens in its JVM, which that does not count.

    make bench-engines
    python bench/engines.py --rows 200000   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cur import AISPEND, INTO_STORE  # noqa: E402
from bench.cur_data import EXPORT, write_month  # noqa: E402
from bench.reports import add_results_option, write_results  # noqa: E402
from bench.steps import child  # noqa: E402

MODELS = """
import time
from pathlib import Path
from aispend.config import config_from_dict
from aispend.storage import open_warehouse
from dbt_like import discover
from pipelines.definitions import model_params
config = config_from_dict({{"store": {store!r}, "engine": {engine!r},
    "spark": {{"conf": {conf!r}}}}}, base_dir=Path({folder!r}), origin="bench")
start = time.perf_counter()
engine = open_warehouse(config).model_engine()
print(f"session and table listing: {{time.perf_counter() - start:.1f}} s")
counts = {{}}
for node in discover(Path("sql")).ordered():
    counts[node.name] = engine.run_model(node, model_params(config))
    print(f"{{node.name}}: {{counts[node.name]}} rows")
SECONDS = time.perf_counter() - start
import json
Path({counts_file!r}).write_text(json.dumps(counts))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--period", default="2026-10")
    add_results_option(parser)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    conf = {
        "spark.ui.enabled": "false",
        "spark.driver.memory": "6g",
        "spark.sql.shuffle.partitions": str(4 * cores),
    }
    with tempfile.TemporaryDirectory(prefix="aispend-bench-") as tmp:
        folder = Path(tmp)
        print(f"Writing {args.rows:,} CUR 2.0 line items ...", flush=True)
        write_month(folder, args.rows, args.period)
        store = str(folder / "store")
        load = AISPEND.format(
            **INTO_STORE,
            where=store,
            root=str(folder / EXPORT),
            folder=str(folder),
            period=args.period,
        )
        results = {"store_load": child(load)}
        counts = {}
        for engine in ("duckdb", "spark"):
            print(f"  models on {engine} ...", flush=True)
            counts_file = folder / f"{engine}.json"
            results[f"models_{engine}"] = child(
                MODELS.format(
                    store=store,
                    engine=engine,
                    conf=conf,
                    folder=str(folder),
                    counts_file=str(counts_file),
                ),
                show=3,
            )
            counts[engine] = json.loads(counts_file.read_text())
    base = results["models_duckdb"]["seconds"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "cores": cores,
        "spark_conf": conf,
        # every model has as many rows on Spark as on DuckDB (the values: tests/test_spark_*)
        "row_counts_agree": counts["duckdb"] == counts["spark"],
        "row_counts": counts["duckdb"],
        "steps": {
            name: {
                "seconds": round(r["seconds"], 2),
                "x_duckdb_models": round(base / r["seconds"], 2),
                "python_peak_mib": r["peak_mib"],
            }
            for name, r in results.items()
        },
    }
    out = write_results(args.results, "engines", report)
    print(f"{'step':16s} {'seconds':>8s} {'x duckdb':>9s} {'py peak MiB':>12s}")
    for name, s in report["steps"].items():  # type: ignore[union-attr]
        print(
            f"{name:16s} {s['seconds']:8.2f} {s['x_duckdb_models']:9.2f} {s['python_peak_mib']:12,}"
        )
    print(f"Row counts agree: {report['row_counts_agree']}")
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
