"""One UTC day of a telemetry source: its rows, and a fingerprint of them.

A nightly run sees one new day and a few late files; reloading the other days of the archive
would cost what the history holds, not what changed. A day's fingerprint is the content of its
sample parts and of its jobs, pods, nodes and processes: a day is reloaded when that content
differs from what its last load recorded (meta.telemetry_days), whichever file brought the change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from connectors.telemetry.nvidia_smi.other_formats import PROCESS_SCHEMA
from connectors.telemetry.reader import NODE_SCHEMA, POD_SCHEMA, TelemetryBatch

JOB_COLUMNS = (
    "run_id",
    "run_name",
    "user",
    "team",
    "started_at",
    "ended_at",
    "gpu_count",
    "hosts",
    "state",
    "pod",
    "namespace",
    "job",
    "x_source_file",
)


@dataclass(frozen=True)
class DayRows:
    """The small tables' rows of one day, in the warehouse's columns; samples stay on disk."""

    jobs: pl.DataFrame
    pods: pl.DataFrame
    nodes: pl.DataFrame
    processes: pl.DataFrame
    parts: list[Path]

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for part in sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in self.parts):
            digest.update(part.encode())
        for frame in (self.jobs, self.pods, self.nodes, self.processes):
            digest.update(b"|")
            if frame.height:  # order-free: the rows as JSON lines, sorted
                digest.update("\n".join(sorted(frame.write_ndjson().splitlines())).encode())
        return digest.hexdigest()[:32]


def day_rows(batch: TelemetryBatch, folder: Path, source: str, day: str) -> DayRows:
    when = date.fromisoformat(day)

    def of_day(frame: pl.DataFrame, column: str, columns: tuple[str, ...]) -> pl.DataFrame:
        return (
            frame.filter(pl.col(column).dt.date() == when)
            .with_columns(pl.lit(source).alias("x_source"), pl.lit(when).alias("day"))
            .select("x_source", "day", *columns)
        )

    parts = sorted((folder / day).glob("*.parquet")) if (folder / day).is_dir() else []
    return DayRows(
        jobs=of_day(batch.jobs, "started_at", JOB_COLUMNS),
        pods=of_day(batch.pods, "snapshot_at", tuple(POD_SCHEMA)),
        nodes=of_day(batch.nodes, "snapshot_at", tuple(NODE_SCHEMA)),
        processes=of_day(batch.processes, "ts", tuple(PROCESS_SCHEMA)),
        parts=parts,
    )
