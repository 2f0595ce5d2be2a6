"""dcgm-exporter metrics: scraped Prometheus text files (gzip too) or a Prometheus range query.

Each (instance, GPU, instant) becomes one sample with utilization (%), framebuffer used (MiB)
and power (W). Values at or above DCGM's blank sentinels (not found, not supported, no
permission) and values outside a metric's range are dropped. MIG instances (GPU_I_ID,
GPU_I_PROFILE) report no GPU_UTIL: their utilization is DCGM_FI_PROF_GR_ENGINE_ACTIVE x 100.
Pod labels (Kubernetes) and the ``hpc_job`` label (DCGM's HPC job mapping) say which run holds
a GPU. The ``Hostname`` label (``hostname`` in newer exporters) is kept as written: on
Kubernetes it is the exporter pod's name, which the warehouse maps to its node through the pods
snapshot.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

DCGM_INT32_BLANK = 2147483632  # 0x7ffffff0; not found / not supported / no permission follow
DCGM_FP64_BLANK = 140737488355328.0  # 2**47

#: metric -> (sample column, lowest valid, highest valid, scale)
METRICS: dict[str, tuple[str, float, float, float]] = {
    "DCGM_FI_DEV_GPU_UTIL": ("util_pct", 0, 100, 1),
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": ("prof_util_pct", 0, 1, 100),
    "DCGM_FI_DEV_FB_USED": ("mem_used_mib", 0, DCGM_INT32_BLANK - 1, 1),
    "DCGM_FI_DEV_POWER_USAGE": ("power_w", 0, 100_000, 1),
}
_LINE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\d+))?\s*$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
_STAMP_IN_NAME = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}[:-]?\d{2}[:-]?\d{2}Z?)|(?<!\d)(1\d{9})(?!\d)")


@dataclass
class DcgmSamples:
    frame: pl.DataFrame
    dropped: int = 0  # sentinel or out-of-range values, counted
    skipped: list[tuple[int, str]] = field(default_factory=list)


def scrape_time(path: Path, mode: str = "filename") -> datetime:
    """When a text scrape (which carries no timestamps) was taken: from a timestamp in the file
    name (ISO 8601 or epoch seconds), else, or with mode 'mtime', the file's modification time."""
    if mode == "filename":
        match = _STAMP_IN_NAME.search(path.name)
        if match and match.group(1):
            text = match.group(1).rstrip("Z").replace("-", ":")
            day, _, clock = text.partition("T")
            clock = clock.replace(":", "")
            return datetime.strptime(f"{day.replace(':', '-')}T{clock}", "%Y-%m-%dT%H%M%S")
        if match and match.group(2):
            return datetime.fromtimestamp(int(match.group(2)), UTC).replace(tzinfo=None)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def parse_scrape(path: Path, *, scrape_time_from: str = "filename") -> DcgmSamples:
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8")
    taken = scrape_time(path, scrape_time_from)
    points, skipped = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            skipped.append((number, "not a Prometheus sample line"))
            continue
        name, labels, value, stamp = match.groups()
        if name not in METRICS:
            continue
        when = (datetime.fromtimestamp(int(stamp) / 1000, UTC).replace(tzinfo=None)
                if stamp else taken)
        points.append((dict(_LABEL.findall(labels or "")), name, value, when))
    return _samples(points, skipped)


def parse_range_query(path: Path) -> DcgmSamples:
    """A Prometheus /api/v1/query_range response (resultType matrix) saved as JSON."""
    body = json.loads(path.read_text(encoding="utf-8"))
    points: list[tuple[dict[str, str], str, str, datetime]] = []
    for series in body.get("data", {}).get("result", []):
        labels = dict(series.get("metric", {}))
        name = labels.pop("__name__", "")
        if name not in METRICS:
            continue
        for stamp, value in series.get("values", []):
            when = datetime.fromtimestamp(float(stamp), UTC).replace(tzinfo=None)
            points.append((labels, name, value, when))
    return _samples(points, [])


def _samples(points: list[tuple[dict[str, str], str, Any, datetime]],
             skipped: list[tuple[int, str]]) -> DcgmSamples:
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    dropped = 0
    for labels, name, value, when in points:
        column, low, high, scale = METRICS[name]
        try:
            number = float(value)
        except ValueError:
            dropped += 1
            continue
        blank = DCGM_FP64_BLANK if name in ("DCGM_FI_DEV_POWER_USAGE",
                                            "DCGM_FI_PROF_GR_ENGINE_ACTIVE") else DCGM_INT32_BLANK
        if number != number or number >= blank or not low <= number <= high:
            dropped += 1
            continue
        host = labels.get("Hostname") or labels.get("hostname") or labels.get("instance", "")
        key = (host, labels.get("gpu"), labels.get("GPU_I_ID"), when)
        row = rows.setdefault(key, {
            "host": host, "gpu_index": int(labels["gpu"]) if labels.get("gpu", "").isdigit()
            else None, "gpu_uuid": labels.get("UUID"), "gpu_name": labels.get("modelName"),
            "ts": when, "mig_instance": labels.get("GPU_I_ID"),
            "mig_profile": labels.get("GPU_I_PROFILE"), "pod": labels.get("pod") or None,
            "namespace": labels.get("namespace") or None,
            "job": labels.get("hpc_job") or None})
        row[column] = number * scale
    frame = pl.DataFrame(list(rows.values()), schema={
        "host": pl.Utf8, "gpu_index": pl.Int32, "gpu_uuid": pl.Utf8, "gpu_name": pl.Utf8,
        "ts": pl.Datetime("us"), "mig_instance": pl.Utf8, "mig_profile": pl.Utf8,
        "pod": pl.Utf8, "namespace": pl.Utf8, "job": pl.Utf8, "util_pct": pl.Float64,
        "prof_util_pct": pl.Float64, "mem_used_mib": pl.Float64, "power_w": pl.Float64})
    frame = frame.with_columns(
        # A MIG instance has no GPU_UTIL; the graphics-engine activity is its utilization.
        pl.when(pl.col("mig_instance").is_not_null()).then(pl.col("prof_util_pct"))
        .otherwise(pl.coalesce("util_pct", "prof_util_pct")).alias("util_pct"),
        pl.lit(None, dtype=pl.Float64).alias("mem_total_mib"),
    ).drop("prof_util_pct")
    return DcgmSamples(frame, dropped, skipped)
