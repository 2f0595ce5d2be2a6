"""Benchmark: a CUR 2.0 month (default 10 M line items) ingested and normalized by aispend,
against baselines measured in the same run on the same files:

- ``ctas_default``: DuckDB ``CREATE TABLE AS SELECT * FROM read_parquet(...)`` into a new file
  with default settings (the ceiling for "put these files in a DuckDB file");
- ``ctas_same_settings``: the same CTAS with the settings aispend's writer uses, so a settings
  change is never mistaken for a pipeline gain;
- ``pandas``: a straightforward pandas pipeline (read each file, normalize the main columns,
  insert the frame).

Each step runs in a fresh child process; its peak memory is the child's VmHWM. Results (seconds,
rows/s, ratios, peak MiB) are printed and written to bench/results/cur_<date>.json.

    make bench                   # 10 M lines
    python bench/cur.py --rows 200000   # a smoke run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cur_data import EXPORT, write_month  # noqa: E402
from bench.reports import add_results_option, write_results  # noqa: E402
from bench.steps import child  # noqa: E402

CTAS = """
import duckdb, time
start = time.perf_counter()
con = duckdb.connect({db!r}, config={config})
con.execute("CREATE TABLE t AS SELECT * FROM read_parquet({glob!r})")
con.close()
SECONDS = time.perf_counter() - start
"""

PANDAS = """
import glob, time
import duckdb, numpy as np, pandas as pd
start = time.perf_counter()
con = duckdb.connect({db!r})
for i, path in enumerate(sorted(glob.glob({glob!r}))):
    df = pd.read_parquet(path)
    kind = df["line_item_line_item_type"]
    out = pd.DataFrame({{
        "provider": "AWS", "sub_account_id": df["line_item_usage_account_id"],
        "charge_period_start": df["line_item_usage_start_date"],
        "charge_period_end": df["line_item_usage_end_date"],
        "service_name": df["line_item_product_code"], "resource_id": df["line_item_resource_id"],
        "billed_cost": df["line_item_unblended_cost"],
        "effective_cost": np.select(
            [kind == "SavingsPlanCoveredUsage", kind == "DiscountedUsage",
             kind == "SavingsPlanNegation"],
            [df["savings_plan_savings_plan_effective_cost"], df["reservation_effective_cost"], 0],
            df["line_item_unblended_cost"]),
        "list_cost": df["pricing_public_on_demand_cost"],
        "pricing_category": np.where(df["line_item_usage_type"].str.contains("SpotUsage"),
                                     "Dynamic", "Standard"),
        "team": [dict(t).get("user_team") for t in df["resource_tags"]],
        "training_run": [dict(t).get("user_training_run") for t in df["resource_tags"]],
    }})
    if i == 0:
        con.execute("CREATE TABLE t AS SELECT * FROM out")
    else:
        con.execute("INSERT INTO t SELECT * FROM out")
con.close()
SECONDS = time.perf_counter() - start
"""

#: aispend loading the month through its warehouse seam: ``target`` is ``warehouse`` (a DuckDB
#: file) or ``store`` (a parquet store).
AISPEND = """
import time
from aispend.config import config_from_dict
from aispend.storage import open_warehouse
from pathlib import Path
config = config_from_dict({{{target!r}: {where!r}, "prices": {{"fetch": False}},
    "sources": [{{"name": "cur", "kind": "aws_cur", "path": {root!r}}}]}},
    base_dir=Path({folder!r}), origin="bench")
start = time.perf_counter()
result = open_warehouse(config).load_billing(config.sources[0], {period!r})
assert result.status == "loaded", result
SECONDS = time.perf_counter() - start
"""
INTO_FILE = {"target": "warehouse"}
INTO_STORE = {"target": "store"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--period", default="2026-10")
    add_results_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aispend-bench-") as tmp:
        folder = Path(tmp)
        print(f"Writing {args.rows:,} CUR 2.0 line items ...", flush=True)
        write_month(folder, args.rows, args.period)
        glob = str(folder / EXPORT / "data" / "*" / "*.parquet")
        same = {"preserve_insertion_order": False, "checkpoint_threshold": "4GB"}
        wh = str(folder / "aispend.duckdb")
        steps = {
            "ctas_default": CTAS.format(db=str(folder / "a.duckdb"), config={}, glob=glob),
            "ctas_same_settings": CTAS.format(db=str(folder / "b.duckdb"), config=same, glob=glob),
            "pandas": PANDAS.format(db=str(folder / "c.duckdb"), glob=glob),
            "aispend_ingest": AISPEND.format(
                **INTO_FILE,
                where=wh,
                root=str(folder / EXPORT),
                folder=str(folder),
                period=args.period,
            ),
            "aispend_restate_month": AISPEND.format(
                **INTO_FILE,
                where=wh,
                root=str(folder / EXPORT),
                folder=str(folder),
                period=args.period,
            ),
        }
        results = {}
        for name, code in steps.items():
            print(f"  {name} ...", flush=True)
            results[name] = child(code)
    report = summarize(results, args.rows)
    out = write_results(args.results, "cur", report)
    print_table(report)
    print(f"Written to {out}")


def summarize(results: dict[str, dict[str, float]], rows: int) -> dict[str, object]:
    """Ratios are speed ratios (baseline seconds / step seconds): above 1 is faster."""
    base = results["ctas_default"]["seconds"]
    same = results["ctas_same_settings"]["seconds"]
    pandas = results["pandas"]["seconds"]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "steps": {
            name: {
                "seconds": round(r["seconds"], 2),
                "rows_per_second": round(rows / r["seconds"]),
                "x_ctas_default": round(base / r["seconds"], 2),
                "x_ctas_same_settings": round(same / r["seconds"], 2),
                "x_pandas": round(pandas / r["seconds"], 2),
                "peak_mib": r["peak_mib"],
            }
            for name, r in results.items()
        },
        "targets": {
            "ingest >= 1.0x ctas_default": "x_ctas_default of aispend_ingest",
            "ingest >= 2x pandas": "x_pandas of aispend_ingest",
            "peak <= 2048 MiB": "peak_mib of aispend_ingest",
            "restate >= 1.0x ctas_default": "x_ctas_default of aispend_restate_month",
        },
    }


def print_table(report: dict[str, object]) -> None:
    print(
        f"{'step':24s} {'seconds':>8s} {'rows/s':>10s} {'x ctas':>7s} {'x same':>7s} "
        f"{'x pandas':>8s} {'peak MiB':>9s}"
    )
    steps = report["steps"]
    assert isinstance(steps, dict)
    for name, s in steps.items():
        print(
            f"{name:24s} {s['seconds']:8.2f} {s['rows_per_second']:10,} "
            f"{s['x_ctas_default']:7.2f} {s['x_ctas_same_settings']:7.2f} "
            f"{s['x_pandas']:8.2f} {s['peak_mib']:9,}"
        )


if __name__ == "__main__":
    main()
