"""One UTC day of a telemetry source: its rows, and a fingerprint of them.

A nightly run sees one new day and a few late files; reloading the other days of the archive
would cost what the history holds, not what changed. A day's fingerprint is the content of its
sample parts and of its jobs, pods, nodes and processes: a day is reloaded when that content
differs from what its last load recorded (meta.telemetry_days), whichever file brought the change.
A day's samples are the parts of every file that has samples of it (aispend/telemetry_archive.py
keeps them per file, each with the sha256 it was written with, so a fingerprint reads no part).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
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
    #: Each part's sha256, as written; read from the parts when not given.
    digests: list[str] | None = None

    def fingerprint(self) -> str:
        digests = self.digests
        if digests is None:
            digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in self.parts]
        digest = hashlib.sha256()
        for part in sorted(digests):
            digest.update(part.encode())
        for frame in (self.jobs, self.pods, self.nodes, self.processes):
            digest.update(b"|")
            if frame.height:  # order-free: the rows as JSON lines, sorted
                digest.update("\n".join(sorted(frame.write_ndjson().splitlines())).encode())
        return digest.hexdigest()[:32]


@dataclass
class Staged:
    """One read of a source: small tables in memory, samples as parquet parts per day
    (``parts``: day -> (part, sha256) of every file's samples of that day)."""

    batch: TelemetryBatch
    folder: Path
    source: str
    sample_days: set[str] = field(default_factory=set)
    parts: dict[str, list[tuple[Path, str]]] = field(default_factory=dict)
    #: Files parsed by this read, and files whose kept parse output it reused.
    parsed: int = 0
    reused: int = 0
    _fingerprints: dict[str, str] = field(default_factory=dict)

    def fingerprint(self, day: str, rows: DayRows | None = None) -> str:
        """The day's content as parsed now, computed once."""
        if day not in self._fingerprints:
            rows = rows or day_rows(self, day)
            self._fingerprints[day] = rows.fingerprint()
        return self._fingerprints[day]


def day_rows(staged: Staged, day: str) -> DayRows:
    batch, source = staged.batch, staged.source
    when = date.fromisoformat(day)

    def of_day(frame: pl.DataFrame, column: str, columns: tuple[str, ...]) -> pl.DataFrame:
        return (
            frame.filter(pl.col(column).dt.date() == when)
            .with_columns(pl.lit(source).alias("x_source"), pl.lit(when).alias("day"))
            .select("x_source", "day", *columns)
        )

    parts = sorted(staged.parts.get(day, []))
    return DayRows(
        jobs=of_day(batch.jobs, "started_at", JOB_COLUMNS),
        pods=of_day(batch.pods, "snapshot_at", tuple(POD_SCHEMA)),
        nodes=of_day(batch.nodes, "snapshot_at", tuple(NODE_SCHEMA)),
        processes=of_day(batch.processes, "ts", tuple(PROCESS_SCHEMA)),
        parts=[path for path, _ in parts],
        digests=[sha for _, sha in parts],
    )
