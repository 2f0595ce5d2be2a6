"""dcgm-exporter metrics: scraped Prometheus text files or a Prometheus range query (JSON).

Both may be gzip or zstd, told by magic bytes rather than the name; a text line past 1 MiB, a
JSON document past MAX_JSON_BYTES or nested deeper than MAX_JSON_DEPTH refuses the file, and a
cut-off stream raises EOFError (connectors.text_lines).

Each (instance, GPU, instant) becomes one sample with utilization (%), framebuffer used (MiB),
power and its limit (W), the energy counter (mJ since the driver loaded) and the profiling
ratios of SM, tensor-pipe and DRAM activity (0-1), each where the exporter is set to collect
it. Values at or above DCGM's blank sentinels (not found, not supported, no permission) and
values outside a metric's range are dropped. MIG instances (GPU_I_ID, GPU_I_PROFILE) report no
GPU_UTIL: their utilization is DCGM_FI_PROF_GR_ENGINE_ACTIVE x 100.
Pod labels (Kubernetes) and the ``hpc_job`` label (DCGM's HPC job mapping) say which run holds
a GPU. The ``Hostname`` label (``hostname`` in newer exporters) is kept as written: on
Kubernetes it is the exporter pod's name, which the warehouse maps to its node through the pods
snapshot.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from connectors.text_lines import iter_lines, peek, read_all

DCGM_INT32_BLANK = 2147483632  # 0x7ffffff0; not found / not supported / no permission follow
DCGM_INT64_BLANK = 9223372036854775792  # 0x7ffffffffffffff0
DCGM_FP64_BLANK = 140737488355328.0  # 2**47

#: metric -> (sample column, lowest valid, highest valid, scale, DCGM's blank for its type).
#: The profiling ratios (SM, tensor pipe, DRAM) stay 0-1, as DCGM reports them.
METRICS: dict[str, tuple[str, float, float, float, float]] = {
    "DCGM_FI_DEV_GPU_UTIL": ("util_pct", 0, 100, 1, DCGM_INT32_BLANK),
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": ("prof_util_pct", 0, 1, 100, DCGM_FP64_BLANK),
    "DCGM_FI_DEV_FB_USED": ("mem_used_mib", 0, DCGM_INT32_BLANK - 1, 1, DCGM_INT32_BLANK),
    "DCGM_FI_DEV_POWER_USAGE": ("power_w", 0, 100_000, 1, DCGM_FP64_BLANK),
    "DCGM_FI_DEV_POWER_MGMT_LIMIT": ("power_limit_w", 0, 100_000, 1, DCGM_FP64_BLANK),
    # millijoules since the driver loaded: resets to 0 with it, which the models handle
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": (
        "energy_mj",
        0,
        DCGM_INT64_BLANK - 1,
        1,
        DCGM_INT64_BLANK,
    ),
    "DCGM_FI_PROF_SM_ACTIVE": ("sm_active", 0, 1, 1, DCGM_FP64_BLANK),
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": ("tensor_active", 0, 1, 1, DCGM_FP64_BLANK),
    "DCGM_FI_PROF_DRAM_ACTIVE": ("dram_active", 0, 1, 1, DCGM_FP64_BLANK),
}
_LINE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\d+))?\s*$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
_STAMP_IN_NAME = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}[:-]?\d{2}[:-]?\d{2}Z?)|(?<!\d)(1\d{9})(?!\d)"
)


#: A range query nests 6 deep (body, data, result, series, values, pair); allow some slack.
MAX_JSON_DEPTH = 32
#: Prometheus caps a range query at 11,000 points per series; 256 MiB is far beyond a real one.
MAX_JSON_BYTES = 256 << 20
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_RUNS = re.compile(rb"([\[{]*)([\]}]*)")


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
    """A text scrape; a file whose content is a JSON object (``range.json.gz``) is read as a
    range query, since only its content, not its name, says which it is."""
    if peek(path).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_range_query(path)
    taken = scrape_time(path, scrape_time_from)
    points, skipped = [], []
    for number, line in iter_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            skipped.append((number, "not a Prometheus sample line"))
            continue
        name, labels, value, stamp = match.groups()
        if name not in METRICS:
            continue
        try:  # Prometheus writes NaN and +Inf as such; any other text is a corrupt line
            float(value)
        except ValueError:
            skipped.append((number, f"{name}: a number expected, found {value!r}"))
            continue
        when = (
            datetime.fromtimestamp(int(stamp) / 1000, UTC).replace(tzinfo=None) if stamp else taken
        )
        points.append((dict(_LABEL.findall(labels or "")), name, value, when))
    return _samples(points, skipped)


def parse_range_query(path: Path) -> DcgmSamples:
    """A Prometheus /api/v1/query_range response (resultType matrix) saved as JSON."""
    raw = read_all(path, limit=MAX_JSON_BYTES)
    depth = _json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            f"{path}: JSON nested {depth} deep; a range query is {MAX_JSON_DEPTH} at most"
        )
    body = json.loads(raw.decode("utf-8-sig"))
    result = body.get("data", {}).get("result", []) if isinstance(body, dict) else None
    if not isinstance(result, list):
        raise ValueError(f"{path}: not a Prometheus query_range response (data.result is no list)")
    points: list[tuple[dict[str, str], str, str, datetime]] = []
    for series in result:
        if not isinstance(series, dict) or not isinstance(series.get("metric", {}), dict):
            raise ValueError(f"{path}: a series of data.result is not an object with a metric")
        labels = {str(k): str(v) for k, v in series.get("metric", {}).items()}
        name = labels.pop("__name__", "")
        if name not in METRICS:
            continue
        for stamp, value in series.get("values", []):
            when = datetime.fromtimestamp(float(stamp), UTC).replace(tzinfo=None)
            points.append((labels, name, value, when))
    return _samples(points, [])


def _json_depth(raw: bytes) -> int:
    """How deep the document's objects and arrays nest (strings left out), found without
    recursion, so that a hostile nesting is refused before json.loads recurses into it."""
    bare = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    level = deepest = 0
    for start, end in _BRACKET_RUNS.findall(bare):
        level += len(start)
        deepest = max(deepest, level)
        level -= len(end)
    return deepest


def _samples(
    points: list[tuple[dict[str, str], str, Any, datetime]], skipped: list[tuple[int, str]]
) -> DcgmSamples:
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    dropped = 0
    for labels, name, value, when in points:
        column, low, high, scale, blank = METRICS[name]
        try:
            number = float(value)
        except ValueError:
            dropped += 1
            continue
        if number != number or number >= blank or not low <= number <= high:
            dropped += 1
            continue
        host = labels.get("Hostname") or labels.get("hostname") or labels.get("instance", "")
        key = (host, labels.get("gpu"), labels.get("GPU_I_ID"), when)
        row = rows.setdefault(
            key,
            {
                "host": host,
                "gpu_index": int(labels["gpu"]) if labels.get("gpu", "").isdigit() else None,
                "gpu_uuid": labels.get("UUID"),
                "gpu_name": labels.get("modelName"),
                "ts": when,
                "mig_instance": labels.get("GPU_I_ID"),
                "mig_profile": labels.get("GPU_I_PROFILE"),
                "pod": labels.get("pod") or None,
                "namespace": labels.get("namespace") or None,
                "job": labels.get("hpc_job") or None,
            },
        )
        row[column] = number * scale
    frame = pl.DataFrame(
        list(rows.values()),
        schema={
            "host": pl.Utf8,
            "gpu_index": pl.Int32,
            "gpu_uuid": pl.Utf8,
            "gpu_name": pl.Utf8,
            "ts": pl.Datetime("us"),
            "mig_instance": pl.Utf8,
            "mig_profile": pl.Utf8,
            "pod": pl.Utf8,
            "namespace": pl.Utf8,
            "job": pl.Utf8,
            "util_pct": pl.Float64,
            "prof_util_pct": pl.Float64,
            "mem_used_mib": pl.Float64,
            "power_w": pl.Float64,
            "power_limit_w": pl.Float64,
            "energy_mj": pl.Float64,
            "sm_active": pl.Float64,
            "tensor_active": pl.Float64,
            "dram_active": pl.Float64,
        },
    )
    frame = frame.with_columns(
        # A MIG instance has no GPU_UTIL; the graphics-engine activity is its utilization.
        pl.when(pl.col("mig_instance").is_not_null())
        .then(pl.col("prof_util_pct"))
        .otherwise(pl.coalesce("util_pct", "prof_util_pct"))
        .alias("util_pct"),
        pl.lit(None, dtype=pl.Float64).alias("mem_total_mib"),
    ).drop("prof_util_pct")
    return DcgmSamples(frame, dropped, skipped)
