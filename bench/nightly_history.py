"""Benchmark: what a nightly `aispend run` costs as the warehouse's history grows.

A warehouse holding 1, 6 and 24 months (CUR 2.0, ``--rows`` lines a month; ``--hosts`` x 8 GPUs
of nvidia-smi at 10 s, ``--days`` days a month, with Slurm jobs) gets, night after night, the
open month re-delivered and one new day of telemetry. Measured per history, median of
``--repeat`` nights, each step in a fresh child process (peak memory from VmHWM):

- ``nightly``: plain ``aispend run`` after the re-delivery and the new day;
- ``rerun``: ``aispend run`` again with nothing new;
- ``period``: ``aispend run --period <open month>``.

The baseline is the same step on the 1-month warehouse, measured in the same run: the target is
that a step at 24 months costs at most 1.2x the step at 1 month (ratio = 1-month seconds /
N-month seconds, so above 0.83 meets it).

    python bench/nightly_history.py                          # 1, 6, 24 months
    python bench/nightly_history.py --months 1 2 --rows 20000 --days 1 --repeat 1   # smoke
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.cur_data import EXPORT, write_month  # noqa: E402
from bench.reports import add_results_option, write_results  # noqa: E402
from bench.steps import child  # noqa: E402
from bench.telemetry import HEADER, day_lines  # noqa: E402

OPEN_MONTH = date(2026, 10, 1)
RUN = """
import time
from aispend.cli import main
start = time.perf_counter()
try:
    main(["--config", {config!r}, "run", *{args!r}], standalone_mode=False)
except SystemExit as exit:
    if exit.code:
        raise
finally:
    SECONDS = time.perf_counter() - start
"""


def month_start(back: int) -> date:
    index = OPEN_MONTH.year * 12 + OPEN_MONTH.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def write_day(logs: Path, sacct: Path, day: date, hosts: int) -> int:
    """One UTC day of ``hosts`` x 8 GPUs sampled every 10 s, and two whole-node jobs a host."""
    start = datetime(day.year, day.month, day.day)
    lines = day_lines(start, every=10)
    jobs = []
    for host in range(hosts):
        name = f"gpu-node-{host:02d}"
        (logs / f"{name}_{day.isoformat()}.csv").write_text(HEADER + "\n".join(lines) + "\n")
        for half in range(2):
            begin = start + timedelta(hours=12 * half)
            end = begin + timedelta(hours=11)
            job = f"{day:%Y%m%d}{host:02d}{half}"
            jobs.append(
                f"{job}|alice|research|{begin:%Y-%m-%dT%H:%M:%S}|{end:%Y-%m-%dT%H:%M:%S}|"
                f"11:00:00|COMPLETED|gres/gpu=8|{name}|train-{job}"
            )
    with sacct.open("a") as handle:
        handle.write("\n".join(jobs) + "\n")
    return hosts * lines.len()


def build(folder: Path, months: int, rows: int, days: int, hosts: int) -> tuple[Path, int]:
    """The history's files and config; returns the config and the samples written."""
    (folder / "logs").mkdir(parents=True)
    sacct = folder / "sacct.txt"
    sacct.write_text("JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n")
    samples = 0
    for back in range(months):
        first = month_start(back)
        write_month(folder, rows, f"{first:%Y-%m}", seed=7 + back)
        for offset in range(days):
            samples += write_day(folder / "logs", sacct, first + timedelta(days=offset), hosts)
    config = folder / "aispend.yaml"
    config.write_text(
        f"warehouse: {folder / 'aispend.duckdb'}\nprices: {{fetch: false}}\nsources:\n"
        f"  - {{name: cur, kind: aws_cur, path: {folder / EXPORT}}}\n"
        f"  - {{name: smi, kind: nvidia_smi, path: {folder / 'logs'}}}\n"
        f"  - {{name: slurm, kind: slurm, path: {sacct}, timezone: UTC}}\n"
    )
    return config, samples


def night(folder: Path, config: Path, index: int, hosts: int) -> dict[str, dict[str, Any]]:
    """One night: the open month re-delivered, a new day of telemetry; the three steps."""
    for path in (folder / EXPORT).rglob("*"):
        if f"BILLING_PERIOD={OPEN_MONTH:%Y-%m}" in str(path):
            os.utime(path)
    new_day = OPEN_MONTH + timedelta(days=20 + index)
    write_day(folder / "logs", folder / "sacct.txt", new_day, hosts)
    out = {}
    for name, args in (
        ("nightly", []),
        ("rerun", []),
        ("period", ["--period", f"{OPEN_MONTH:%Y-%m}"]),
    ):
        out[name] = child(RUN.format(config=str(config), args=args))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, nargs="+", default=[1, 6, 24])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    add_results_option(parser)
    args = parser.parse_args()
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for months in args.months:
        with tempfile.TemporaryDirectory(prefix="aispend-history-") as tmp:
            folder = Path(tmp)
            config, samples = build(folder, months, args.rows, args.days, args.hosts)
            print(f"{months} month(s): {months * args.rows:,} CUR lines, {samples:,} samples")
            setup = child(RUN.format(config=str(config), args=[]))
            print(f"  backfill (setup) {setup['seconds']:.1f} s, peak {setup['peak_mib']} MiB")
            nights = [night(folder, config, i, args.hosts) for i in range(args.repeat)]
            results[months] = {
                step: {
                    "seconds": round(statistics.median(n[step]["seconds"] for n in nights), 2),
                    "peak_mib": max(n[step]["peak_mib"] for n in nights),
                    "summary": nights[-1][step]["summary"],
                }
                for step in ("nightly", "rerun", "period")
            }
            for step, r in results[months].items():
                print(f"  {step:8s} {r['seconds']:7.2f} s  peak {r['peak_mib']:,} MiB")
    base = results[min(results)]
    for steps in results.values():
        for step, r in steps.items():
            r["x_baseline"] = round(base[step]["seconds"] / r["seconds"], 2)
            r["peak_x_baseline"] = round(base[step]["peak_mib"] / r["peak_mib"], 2)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows_per_month": args.rows,
        "days_per_month": args.days,
        "gpus": args.hosts * 8,
        "repeat": args.repeat,
        "target": f"each step at {max(results)} months >= 0.83x the step at {min(results)} month",
        "months": results,
    }
    out = write_results(args.results, "nightly_history", report)
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
