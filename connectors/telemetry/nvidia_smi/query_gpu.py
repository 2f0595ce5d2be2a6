"""``nvidia-smi --query-gpu=... --format=csv`` logs, as written by ``-l``/``-lms`` loops.

Handles a header with units (``utilization.gpu [%]``, values ``35 %``) or none
(``noheader,nounits``, columns then from the source's ``columns`` option), any subset of columns,
and the bracketed non-values (``[N/A]``, ``[Not Supported]``, ``[Insufficient Permissions]``).
Timestamps are host-local without a zone: they are read in the source's time zone, and the hour
repeated when daylight saving ends is told apart by the order of the samples. Rows that cannot be
read are skipped and counted, never guessed. Rotated logs are read as they lie: gzip or zstd
(told by magic bytes, whatever the name) is decompressed as it streams, a cut-off stream raises
EOFError, and a line past 1 MiB refuses the file (connectors.text_lines).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from connectors.telemetry.nvidia_smi.query_gpu_fields import clean_fields, line_by_line
from connectors.text_lines import MAX_LINE_BYTES, LineTooLongError, open_stream, read_line

#: The query of ``nvidia-smi --query-gpu=... --format=csv,noheader`` when no columns are given.
DEFAULT_COLUMNS = [
    "timestamp",
    "index",
    "uuid",
    "name",
    "pci.bus_id",
    "driver_version",
    "pstate",
    "utilization.gpu",
    "utilization.memory",
    "memory.total",
    "memory.used",
    "memory.free",
    "power.draw",
    "power.limit",
    "temperature.gpu",
    "clocks.sm",
    "clocks.mem",
]
#: nvidia-smi's header spells some properties by their long names.
_ALIASES = {
    "clocks.current.sm": "clocks.sm",
    "clocks.current.memory": "clocks.mem",
    "gpu_uuid": "uuid",
    "gpu_name": "name",
}
_WANTED = {
    "timestamp": "ts_local",
    "index": "gpu_index",
    "uuid": "gpu_uuid",
    "name": "gpu_name",
    "utilization.gpu": "util_pct",
    "memory.used": "mem_used_mib",
    "memory.total": "mem_total_mib",
    "power.draw": "power_w",
    # nvidia-smi 535+ also offers the one-second mean and the instant reading; the mean is the
    # closer to the energy the GPU used between two samples
    "power.draw.average": "power_w",
    "power.limit": "power_limit_w",
}
_NUMERIC = ("util_pct", "mem_used_mib", "mem_total_mib", "power_w", "power_limit_w")
SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "host": pl.Utf8(),
    "gpu_index": pl.Int32(),
    "gpu_uuid": pl.Utf8(),
    "gpu_name": pl.Utf8(),
    "ts": pl.Datetime("us"),
    "util_pct": pl.Float64(),
    "mem_used_mib": pl.Float64(),
    "mem_total_mib": pl.Float64(),
    "power_w": pl.Float64(),
    "power_limit_w": pl.Float64(),
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
    if re.match(r"(?i)(nvidia[-_]smi|gpu|query)", stem) and not re.search(
        r"\d", stem.split("_")[0]
    ):
        return path.parent.name
    return re.split(r"_\d{4}-?\d{2}-?\d{2}", stem)[0]


def parse_query_gpu(
    path: Path, *, timezone: str = "UTC", host: str | None = None, columns: list[str] | None = None
) -> Samples:
    """The whole file at once (tests and small logs); see iter_query_gpu for big ones."""
    parts = list(iter_query_gpu(path, timezone=timezone, host=host, columns=columns))
    return Samples(
        pl.concat([p.frame for p in parts]) if parts else pl.DataFrame(schema=SAMPLE_SCHEMA),
        sorted(line for p in parts for line in p.skipped),
    )


def iter_query_gpu(
    path: Path,
    *,
    timezone: str = "UTC",
    host: str | None = None,
    columns: list[str] | None = None,
    chunk_bytes: int = 16 << 20,
) -> Iterator[Samples]:
    """The file in chunks of about ``chunk_bytes``, so a month-long log needs no more memory
    than one chunk; the daylight-saving bookkeeping carries over from chunk to chunk."""
    host = host or host_from_path(path)
    with open_stream(path) as handle:  # gzip/zstd told by magic bytes; gzip streams as it goes
        first = read_line(handle, path, 1).removeprefix(b"\xef\xbb\xbf")
        header = first.decode("utf-8", "replace")
        has_header = header.lstrip().lower().startswith(
            tuple(DEFAULT_COLUMNS) + tuple(_ALIASES)
        ) and not re.match(r"^\s*\d{4}/", header)
        names = (
            [_canonical(h) for h in header.rstrip("\r\n").split(",")]
            if has_header
            else columns or DEFAULT_COLUMNS
        )
        if "timestamp" not in names:
            raise ValueError(f"{path}: no timestamp column; add it to the --query-gpu list")
        if has_header and not first.endswith(b"\n"):
            yield Samples(
                pl.DataFrame(schema=SAMPLE_SCHEMA),
                [(1, "the header has no newline: the file was cut short")],
            )
            return
        pending = b"" if has_header else first
        line_no = 2 if has_header else 1
        seen: dict[int | None, Any] = {}
        while True:
            block = handle.read(chunk_bytes)
            data = pending + block
            if not block:
                if data:  # a last line without its newline was cut short while being written
                    count = data.count(b"\n")
                    complete, _, rest = data.rpartition(b"\n")
                    if complete:
                        yield _chunk(complete + b"\n", names, line_no, timezone, host, seen, path)
                    yield Samples(
                        pl.DataFrame(schema=SAMPLE_SCHEMA),
                        [
                            (
                                line_no + count,
                                "last line has no newline: cut short while being written",
                            )
                        ]
                        if rest.strip()
                        else [],
                    )
                return
            complete, _, pending = data.rpartition(b"\n")
            if len(pending) > MAX_LINE_BYTES:  # memory stays bounded: no endless partial line
                raise LineTooLongError(path, line_no + data.count(b"\n"))
            if complete:
                chunk = complete + b"\n"
                yield _chunk(chunk, names, line_no, timezone, host, seen, path)
                line_no += chunk.count(b"\n")


def _chunk(
    data: bytes,
    names: list[str],
    first_line: int,
    timezone: str,
    host: str,
    seen: dict[int | None, Any],
    source: Path,
) -> Samples:
    lines = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        new_columns=["line"],
        separator="\x1f",
        quote_char=None,
        infer_schema=False,
        raise_if_empty=False,
    ).with_row_index("_n", offset=first_line)
    shadowed = {"power.draw"} if "power.draw.average" in names else set()
    keep = [(i, n) for i, n in enumerate(names) if n in _WANTED and n not in shadowed]
    fields = [(i, _WANTED[n]) for i, n in keep]
    numeric = [*_NUMERIC, "gpu_index"]
    clean = clean_fields(lines, len(names), fields, numeric)
    skipped: list[tuple[int, str]] = []
    if clean is not None:
        frame = clean
    else:
        frame, skipped = line_by_line(lines, len(names), fields, numeric, source)
    if frame.height == 0:  # nothing readable here (polars' window functions want rows)
        return Samples(pl.DataFrame(schema=SAMPLE_SCHEMA), skipped)
    group = "gpu_index" if "gpu_index" in frame.columns else None
    if group is None:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("gpu_index"))
    if timezone == "UTC":  # no clock change to tell apart: the local time is the UTC time
        frame = frame.with_columns(pl.col("_local").alias("ts"))
    else:
        # Once the clock has gone back (daylight saving ended), the repeated hour is the later
        # one; the latest time seen per GPU carries over from the previous chunk.
        carried = pl.col("gpu_index").replace_strict(
            {k: v for k, v in seen.items() if k is not None},
            default=None,
            return_dtype=pl.Datetime("us"),
        )
        prior = pl.max_horizontal(pl.col("_local").cum_max().shift(1).over("gpu_index"), carried)
        ambiguous = (
            pl.when(pl.col("_local") <= prior).then(pl.lit("latest")).otherwise(pl.lit("earliest"))
        )
        utc = (
            pl.col("_local")
            .dt.replace_time_zone(timezone, ambiguous=ambiguous, non_existent="null")
            .dt.convert_time_zone("UTC")
            .dt.replace_time_zone(None)
        )
        frame = frame.with_columns(utc.alias("ts"))
        for gpu, latest in frame.group_by("gpu_index").agg(pl.col("_local").max()).iter_rows():
            if gpu is not None:
                seen[gpu] = max(latest, seen.get(gpu, latest))
        gap = frame.filter(pl.col("ts").is_null())
        skipped += [
            (int(n), f"{v} does not exist in {timezone} (clocks went forward)")
            for n, v in gap.select("_n", "ts_local").iter_rows()
        ]
    frame = frame.filter(pl.col("ts").is_not_null()).with_columns(pl.lit(host).alias("host"))
    out = frame.select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in SAMPLE_SCHEMA.items()
        ]
    )
    return Samples(out, skipped)


def _canonical(header: str) -> str:
    name = re.sub(r"\s*\[[^\]]*\]\s*$", "", header.strip()).lower()
    return _ALIASES.get(name, name)
