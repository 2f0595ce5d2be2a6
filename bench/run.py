"""Benchmark: FOCUS ingest through aispend against DuckDB's own CSV load, measured in the same run.

Run on demand (``make bench``; ``--rows N`` to change the size). Writes bench/results/<date>.json
with each step's seconds and its ratio to the baseline, a plain DuckDB ``CREATE TABLE AS SELECT *
FROM read_csv(...)`` of the same file into a fresh warehouse file: the ceiling for "load a CSV".
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from aispend.billing_load import load_billing_partition  # noqa: E402
from aispend.config import config_from_dict  # noqa: E402
from bench.reports import RESULTS, write_results  # noqa: E402

COLUMNS = [
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ProviderName",
    "BillingAccountId",
    "SubAccountId",
    "ChargeCategory",
    "ChargeFrequency",
    "PricingCategory",
    "ServiceName",
    "ResourceId",
    "RegionId",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ListCost",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "SkuPriceDetails",
    "Tags",
]


def write_sample(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 10, 1)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for i in range(rows):
            hour = start + timedelta(hours=rng.randrange(31 * 24))
            gpu = rng.random() < 0.2
            cost = f"{rng.uniform(0, 100):.10f}"
            out.writerow(
                [
                    "2026-10-01T00:00:00Z",
                    "2026-11-01T00:00:00Z",
                    hour.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    (hour + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "AWS",
                    "123456789012",
                    f"acct-{i % 50}",
                    "Usage",
                    "Usage-Based",
                    rng.choice(["Standard", "Committed", "Dynamic"]),
                    "Amazon Elastic Compute Cloud" if gpu else "Amazon S3",
                    f"i-{i % 200000:08x}",
                    "us-east-1",
                    "1",
                    "Hours",
                    cost,
                    cost,
                    cost,
                    "USD",
                    '{"InstanceType": "p5.48xlarge"}' if gpu else "NULL",
                    json.dumps({"team": f"t{i % 7}", "training_run": f"run-{i % 1000}"}),
                ]
            )


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sample = folder / "focus.csv"
        print(f"Writing {args.rows:,} FOCUS rows ...", flush=True)
        write_sample(sample, args.rows)

        def baseline() -> None:
            con = duckdb.connect(str(folder / "baseline.duckdb"))
            con.execute(
                "CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(sample)]
            )
            con.close()

        config = config_from_dict(
            {
                "warehouse": str(folder / "aispend.duckdb"),
                "sources": [{"name": "bench", "kind": "focus", "path": str(sample)}],
            },
            base_dir=folder,
            origin="bench",
        )

        def aispend_load() -> None:
            load_billing_partition(config, config.sources[0], "2026-10")

        results = {"baseline_duckdb_read_csv_ctas": timed(baseline)}
        results["aispend_focus_load_first"] = timed(aispend_load)
        results["aispend_focus_reload_same_period"] = timed(aispend_load)
    base = results["baseline_duckdb_read_csv_ctas"]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "steps": {
            name: {
                "seconds": round(s, 3),
                "ratio_to_baseline": round(s / base, 2),
                "rows_per_second": round(args.rows / s),
            }
            for name, s in results.items()
        },
    }
    out = write_results(RESULTS, "focus_ingest", report)
    for name, step in report["steps"].items():
        print(
            f"{name:36s} {step['seconds']:8.2f} s  {step['ratio_to_baseline']:6.2f}x baseline  "
            f"{step['rows_per_second']:>10,} rows/s"
        )
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
