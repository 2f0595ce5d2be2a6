"""The other two nvidia-smi outputs clusters keep: ``dmon`` text and ``--query-compute-apps`` CSV.

``nvidia-smi dmon -o DT`` prints whitespace-aligned columns under two ``#`` header lines (names,
then units), with ``-`` where a value is not available; ``sm`` (%) is the utilization, ``fb``
(MB) the framebuffer used and ``pwr`` (W) the power. Compute apps list the processes on each GPU
(by UUID) with their PID and memory: the evidence of which GPU a process held. Both are read
through connectors.text_lines: gzip or zstd told by magic bytes, every line bounded.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from connectors.telemetry.nvidia_smi.query_gpu import SAMPLE_SCHEMA, Samples
from connectors.text_lines import first_line, iter_lines

PROCESS_SCHEMA: dict[str, pl.DataType] = {
    "host": pl.Utf8(),
    "gpu_uuid": pl.Utf8(),
    "ts": pl.Datetime("us"),
    "pid": pl.Int64(),
    "process_name": pl.Utf8(),
    "used_mib": pl.Float64(),
}


def sniff(path: Path) -> str:
    """query_gpu, dmon or compute_apps, from the first line of the decompressed text."""
    first = first_line(path).lower()
    if first.startswith("#") and re.search(r"\bgpu\b", first):
        return "dmon"
    if "pid" in first and ("process_name" in first or "gpu_uuid" in first):
        return "compute_apps"
    return "query_gpu"


def parse_dmon(path: Path, *, timezone: str, host: str) -> Samples:
    names: list[str] = []
    rows, skipped = [], []
    zone, utc = ZoneInfo(timezone), ZoneInfo("UTC")
    for number, line in iter_lines(path):
        if line.startswith("#"):
            if not names:
                names = [n.lower() for n in line.lstrip("#").split()]
            continue
        if not line.strip():
            continue
        values = line.split()
        if not names or len(values) != len(names):
            skipped.append((number, f"{len(values)} fields, expected {len(names)}"))
            continue
        row = dict(zip(names, values, strict=True))
        try:
            local = datetime.strptime(
                f"{row['#date'] if '#date' in row else row['date']} {row['time']}",
                "%Y%m%d %H:%M:%S",
            )
        except (KeyError, ValueError):
            skipped.append((number, "no readable Date and Time (run dmon with -o DT)"))
            continue
        rows.append(
            {
                "host": host,
                "gpu_index": int(row["gpu"]),
                "gpu_uuid": None,
                "gpu_name": None,
                "ts": local.replace(tzinfo=zone).astimezone(utc).replace(tzinfo=None),
                "util_pct": _value(row.get("sm")),
                "mem_used_mib": _value(row.get("fb")),
                "mem_total_mib": None,
                "power_w": _value(row.get("pwr")),
            }
        )
    return Samples(pl.DataFrame(rows, schema=SAMPLE_SCHEMA), skipped)


def parse_compute_apps(
    path: Path, *, timezone: str, host: str
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    zone, utc = ZoneInfo(timezone), ZoneInfo("UTC")
    rows, skipped = [], []
    names: list[str] = []
    for number, line in iter_lines(path):
        if number == 1:
            names = [re.sub(r"\s*\[.*\]$", "", n.strip()) for n in line.split(",")]
            continue
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(names):
            skipped.append((number, f"{len(values)} fields, expected {len(names)}"))
            continue
        row = dict(zip(names, values, strict=True))
        try:
            local = datetime.strptime(row["timestamp"], "%Y/%m/%d %H:%M:%S.%f")
            pid = int(row["pid"])
        except (KeyError, ValueError):
            skipped.append((number, "no readable timestamp and pid"))
            continue
        rows.append(
            {
                "host": host,
                "gpu_uuid": row.get("gpu_uuid"),
                "ts": local.replace(tzinfo=zone).astimezone(utc).replace(tzinfo=None),
                "pid": pid,
                "process_name": row.get("process_name"),
                "used_mib": _value(row.get("used_gpu_memory") or row.get("used_memory")),
            }
        )
    return pl.DataFrame(rows, schema=PROCESS_SCHEMA), skipped


def _value(text: str | None) -> float | None:
    if text is None:
        return None
    match = re.match(r"^\s*(-?\d+(?:\.\d+)?)", text)
    return float(match.group(1)) if match else None
