"""sacct files into a telemetry batch: jobs with GPUs become runs on their nodes, in UTC."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from connectors.files import FileRef
from connectors.telemetry.batch import JOB_SCHEMA, Collector, TelemetryOptions
from connectors.telemetry.slurm.sacct import parse_sacct

SUFFIXES = (".log", ".txt", ".psv", ".sacct")


class SlurmReader:
    def __init__(self, options: TelemetryOptions):
        self.zone = ZoneInfo(options.timezone)

    def read(self, ref: FileRef, path: Path, out: Collector) -> None:
        parsed = parse_sacct(path)
        out.skipped(ref.uri, parsed.bad_lines)
        rows = [
            {
                "run_id": (
                    f"slurm:{job.cluster}:{job.job_id}" if job.cluster else f"slurm:{job.job_id}"
                ),
                "run_name": job.job_name,
                "user": job.user,
                "team": job.account,
                "started_at": self._utc(job.start),
                "ended_at": self._utc(job.end),
                "gpu_count": float(job.gpus),
                "hosts": job.nodes,
                "state": job.state,
                "pod": None,
                "namespace": None,
                "job": job.job_id,
                "x_source_file": ref.uri,
            }
            for job in parsed.jobs
            if job.start is not None
        ]
        out.jobs(pl.DataFrame(rows, schema=JOB_SCHEMA))

    def close(self, out: Collector) -> None:
        """Nothing to finish: every job is in one file."""

    def _utc(self, value: datetime | None) -> datetime | None:
        """sacct writes the cluster's local time without a zone."""
        if value is None:
            return None
        return value.replace(tzinfo=self.zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
