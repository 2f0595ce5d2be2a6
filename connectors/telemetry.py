"""Telemetry sources behind one interface: GPU samples and scheduler jobs, read from files.

A telemetry source yields GPU samples (one row per GPU per sampling instant, UTC) and/or jobs
(runs a scheduler placed on hosts). Rows that cannot be read are skipped and counted with the
file and line, so a bad line costs that line and is reported, never a silent wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from aispend.errors import InputProblem
from connectors.files import FileRef, filesystem_for
from connectors.nvidia_smi import SAMPLE_SCHEMA, parse_query_gpu
from connectors.slurm import parse_sacct

JOB_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.Utf8(), "run_name": pl.Utf8(), "user": pl.Utf8(), "team": pl.Utf8(),
    "started_at": pl.Datetime("us"), "ended_at": pl.Datetime("us"), "gpu_count": pl.Float64(),
    "hosts": pl.List(pl.Utf8()), "state": pl.Utf8(), "x_source_file": pl.Utf8(),
}
SAMPLES_SCHEMA: dict[str, pl.DataType] = {**SAMPLE_SCHEMA, "x_source_file": pl.Utf8()}
SUFFIXES = {"nvidia_smi": (".csv", ".csv.gz", ".log", ".txt"), "slurm": (".log", ".txt", ".psv",
                                                                       ".sacct")}


@dataclass
class TelemetryBatch:
    samples: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SAMPLES_SCHEMA))
    jobs: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=JOB_SCHEMA))
    skipped: list[InputProblem] = field(default_factory=list)
    files: list[FileRef] = field(default_factory=list)


def read_telemetry(kind: str, root: str, *, timezone: str = "UTC", host: str | None = None,
                   columns: list[str] | None = None, endpoint_url: str | None = None
                   ) -> TelemetryBatch:
    fs = filesystem_for(root, endpoint_url)
    refs = fs.list(root, SUFFIXES.get(kind, (".csv",)))
    batch = TelemetryBatch(files=refs)
    samples, jobs = [], []
    for ref in refs:
        path = fs.local_path(ref)
        if kind == "nvidia_smi":
            parsed = parse_query_gpu(path, timezone=timezone, host=host, columns=columns)
            samples.append(parsed.frame.with_columns(pl.lit(ref.uri).alias("x_source_file")))
            batch.skipped += [InputProblem(file=ref.uri, row=n, message=why)
                              for n, why in parsed.skipped]
        elif kind == "slurm":
            jobs.append(_slurm_jobs(path, ref.uri, timezone, batch.skipped))
        else:
            raise ValueError(f"telemetry kind {kind!r} has no reader in this version yet")
    if samples:
        batch.samples = pl.concat(samples, how="diagonal_relaxed")
    if jobs:
        batch.jobs = pl.concat(jobs, how="diagonal_relaxed")
    return batch


def _slurm_jobs(path: Path, uri: str, timezone: str, skipped: list[InputProblem]
                ) -> pl.DataFrame:
    parsed = parse_sacct(path)
    skipped += [InputProblem(file=uri, row=n, message=why) for n, why in parsed.bad_lines]
    zone = ZoneInfo(timezone)

    def utc(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    rows = [{
        "run_id": f"slurm:{job.cluster}:{job.job_id}" if job.cluster else f"slurm:{job.job_id}",
        "run_name": job.job_name, "user": job.user, "team": job.account,
        "started_at": utc(job.start), "ended_at": utc(job.end), "gpu_count": float(job.gpus),
        "hosts": job.nodes, "state": job.state, "x_source_file": uri,
    } for job in parsed.jobs if job.start is not None]
    return pl.DataFrame(rows, schema=JOB_SCHEMA)
