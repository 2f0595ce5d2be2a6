"""``nvidia-smi --query-gpu=... --format=csv`` logs, as written by ``-l``/``-lms`` loops.

Handles a header with units (``utilization.gpu [%]``, values ``35 %``) or none
(``noheader,nounits``, columns then from the source's ``columns`` option), any subset of columns,
and the bracketed non-values (``[N/A]``, ``[Not Supported]``, ``[Insufficient Permissions]``).
Timestamps are host-local without a zone: they are read in the source's time zone, and the hour
repeated when daylight saving ends is told apart by the order of the samples. Rows that cannot be
read are skipped and counted, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

#: The query of ``nvidia-smi --query-gpu=... --format=csv,noheader`` when no columns are given.
DEFAULT_COLUMNS = [
    "timestamp", "index", "uuid", "name", "pci.bus_id", "driver_version", "pstate",
    "utilization.gpu", "utilization.memory", "memory.total", "memory.used", "memory.free",
    "power.draw", "power.limit", "temperature.gpu", "clocks.sm", "clocks.mem",
]
#: nvidia-smi's header spells some properties by their long names.
_ALIASES = {"clocks.current.sm": "clocks.sm", "clocks.current.memory": "clocks.mem",
            "gpu_uuid": "uuid", "gpu_name": "name"}
_WANTED = {"timestamp": "ts_local", "index": "gpu_index", "uuid": "gpu_uuid", "name": "gpu_name",
           "utilization.gpu": "util_pct", "memory.used": "mem_used_mib",
           "memory.total": "mem_total_mib", "power.draw": "power_w"}
_NUMERIC = ("util_pct", "mem_used_mib", "mem_total_mib", "power_w")
SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "host": pl.Utf8(), "gpu_index": pl.Int32(), "gpu_uuid": pl.Utf8(), "gpu_name": pl.Utf8(),
    "ts": pl.Datetime("us"), "util_pct": pl.Float64(), "mem_used_mib": pl.Float64(),
    "mem_total_mib": pl.Float64(), "power_w": pl.Float64(),
}


@dataclass
class Samples:
    frame: pl.DataFrame
    #: (line number, reason) for rows skipped; reported with the load, never silent.
    skipped: list[tuple[int, str]] = field(default_factory=list)


def host_from_path(path: Path) -> str:
    """``gpu-node-01.csv`` or ``gpu-node-01_2026-11-23.csv`` -> gpu-node-01; a generic name such
    as ``nvidia-smi.csv`` takes its folder's name (``logs/gpu-node-01/nvidia-smi.csv``)."""
    stem = path.name.split(".")[0]
    if stem.lower().startswith(("nvidia-smi", "nvidia_smi", "gpu", "query")) and not re.search(
            r"\d", stem.split("_")[0]):
        return path.parent.name
    return re.split(r"_\d{4}-?\d{2}-?\d{2}", stem)[0]


def parse_query_gpu(path: Path, *, timezone: str = "UTC", host: str | None = None,
                    columns: list[str] | None = None) -> Samples:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    has_header = bool(lines) and lines[0].lstrip().lower().startswith(
        tuple(DEFAULT_COLUMNS) + tuple(_ALIASES)) and not re.match(r"^\s*\d{4}/", lines[0])
    names = ([_canonical(h) for h in lines[0].split(",")] if has_header
             else columns or DEFAULT_COLUMNS)
    body = lines[1:] if has_header else lines
    first_line = 2 if has_header else 1
    if "timestamp" not in names:
        raise ValueError(f"{path}: no timestamp column; add timestamp to the --query-gpu list")
    rows, skipped = [], []
    truncated_tail = bool(text) and not text.endswith("\n")
    for offset, line in enumerate(body):
        number = first_line + offset
        if not line.strip():
            continue
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(names):
            skipped.append((number, f"{len(values)} fields, expected {len(names)}"))
            continue
        if truncated_tail and offset == len(body) - 1:
            skipped.append((number, "last line has no newline: cut short while being written"))
            continue
        rows.append(dict(zip(names, values, strict=True)))
    frame = pl.DataFrame(rows, schema={n: pl.Utf8 for n in names}, orient="row")
    keep = {name: target for name, target in _WANTED.items() if name in frame.columns}
    frame = frame.select([pl.col(n).alias(t) for n, t in keep.items()]).with_row_index("_n")
    numeric = [c for c in (*_NUMERIC, "gpu_index") if c in frame.columns]
    frame = frame.with_columns([_number(c) for c in numeric])
    local = pl.col("ts_local").str.to_datetime("%Y/%m/%d %H:%M:%S%.f", strict=False,
                                               time_unit="us")
    frame = frame.with_columns(local.alias("_local"))
    bad = frame.filter(pl.col("_local").is_null())
    skipped += [(first_line + int(n), f"not an nvidia-smi timestamp: {v!r}")
                for n, v in bad.select("_n", "ts_local").iter_rows()]
    frame = frame.filter(pl.col("_local").is_not_null())
    group = "gpu_index" if "gpu_index" in frame.columns else None
    seen_max = pl.col("_local").cum_max().shift(1)
    if group:
        seen_max = seen_max.over(group)
    # Once the clock has gone back (daylight saving ended), the repeated hour is the later one.
    ambiguous = pl.when(pl.col("_local") <= seen_max).then(pl.lit("latest")).otherwise(
        pl.lit("earliest"))
    utc = (pl.col("_local").dt.replace_time_zone(timezone, ambiguous=ambiguous,
                                                 non_existent="null")
           .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    frame = frame.with_columns(utc.alias("ts"))
    gap = frame.filter(pl.col("ts").is_null())
    skipped += [(first_line + int(n), f"{v} does not exist in {timezone} (clocks went forward)")
                for n, v in gap.select("_n", "ts_local").iter_rows()]
    frame = frame.filter(pl.col("ts").is_not_null()).with_columns(
        pl.lit(host or host_from_path(path)).alias("host"))
    out = frame.select([(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
                        for c, t in SAMPLE_SCHEMA.items()])
    return Samples(out, sorted(skipped))


def _canonical(header: str) -> str:
    name = re.sub(r"\s*\[[^\]]*\]\s*$", "", header.strip()).lower()
    return _ALIASES.get(name, name)


def _number(column: str) -> pl.Expr:
    """``35 %``, ``81559 MiB``, ``72.73 W`` or ``35`` -> 35.0; bracketed non-values -> null."""
    return (pl.col(column).str.strip_chars().str.extract(r"^(-?\d+(?:\.\d+)?)", 1)
            .cast(pl.Float64, strict=False).alias(column))
