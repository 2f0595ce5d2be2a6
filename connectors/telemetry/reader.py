"""Telemetry sources behind one interface: GPU samples and scheduler jobs, read from files.

A telemetry source yields GPU samples (one row per GPU per sampling instant, UTC) and/or jobs
(runs a scheduler placed on hosts). Rows that cannot be read are skipped and counted with the
file and line, so a bad line costs that line and is reported, never a silent wrong number.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import zstandard

from connectors.cost_model import normalize_tag_key
from connectors.errors import InputProblem
from connectors.files import FileRef, filesystem_for
from connectors.telemetry.dcgm.scrape import parse_range_query, parse_scrape
from connectors.telemetry.dcgm.scrape import scrape_time as scrape_time_of
from connectors.telemetry.kubernetes.lifetimes import Sighting, pod_lifetimes
from connectors.telemetry.kubernetes.snapshot import read_snapshot
from connectors.telemetry.nvidia_smi.other_formats import (
    PROCESS_SCHEMA,
    parse_compute_apps,
    parse_dmon,
    sniff,
)
from connectors.telemetry.nvidia_smi.query_gpu import SAMPLE_SCHEMA, host_from_path, iter_query_gpu
from connectors.telemetry.slurm.sacct import parse_sacct

JOB_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.Utf8(), "run_name": pl.Utf8(), "user": pl.Utf8(), "team": pl.Utf8(),
    "started_at": pl.Datetime("us"), "ended_at": pl.Datetime("us"), "gpu_count": pl.Float64(),
    "hosts": pl.List(pl.Utf8()), "state": pl.Utf8(), "pod": pl.Utf8(), "namespace": pl.Utf8(),
    "job": pl.Utf8(), "x_source_file": pl.Utf8(),
}
SAMPLES_SCHEMA: dict[str, pl.DataType] = {
    **SAMPLE_SCHEMA, "mig_instance": pl.Utf8(), "mig_profile": pl.Utf8(), "pod": pl.Utf8(),
    "namespace": pl.Utf8(), "job": pl.Utf8(), "x_source_file": pl.Utf8()}
POD_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.Utf8(), "namespace": pl.Utf8(), "node": pl.Utf8(), "gpus": pl.Float64(),
    "started_at": pl.Datetime("us"), "ended_at": pl.Datetime("us"), "phase": pl.Utf8(),
    "snapshot_at": pl.Datetime("us")}
NODE_SCHEMA: dict[str, pl.DataType] = {
    "node": pl.Utf8(), "instance_type": pl.Utf8(), "spot": pl.Boolean(),
    "snapshot_at": pl.Datetime("us")}
#: What a malformed telemetry file can raise while being parsed: reported against the file,
#: never a crash of the whole load.
UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, EOFError,
              RecursionError, zstandard.ZstdError,
              zlib.error, pl.exceptions.PolarsError)
SUFFIXES = {
    "nvidia_smi": (".csv", ".csv.gz", ".log", ".txt"),
    "slurm": (".log", ".txt", ".psv", ".sacct"),
    "dcgm": (".prom", ".prom.gz", ".txt", ".txt.gz", ".metrics", ".metrics.gz", ".json"),
    "kubernetes": (".json",),
}


@dataclass
class TelemetryBatch:
    samples: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SAMPLES_SCHEMA))
    jobs: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=JOB_SCHEMA))
    pods: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=POD_SCHEMA))
    nodes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NODE_SCHEMA))
    processes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROCESS_SCHEMA))
    skipped: list[InputProblem] = field(default_factory=list)
    #: Whole files that could not be read at all: the source's load fails on them (a lost file
    #: is never a quiet "no telemetry"), while a bad line only costs that line.
    unreadable: list[InputProblem] = field(default_factory=list)
    files: list[FileRef] = field(default_factory=list)
    dropped_values: int = 0


def read_telemetry(kind: str, root: str, *, timezone: str = "UTC", host: str | None = None,
                   columns: list[str] | None = None, endpoint_url: str | None = None,
                   scrape_time: str = "filename", run_tag: str = "training_run",
                   team_tag: str = "team",
                   on_samples: Callable[[pl.DataFrame], None] | None = None) -> TelemetryBatch:
    """Read every file of a telemetry source. GPU samples go to ``on_samples`` chunk by chunk
    (in SAMPLES_SCHEMA) when given, so a month of 1-second samples never sits in memory at
    once; without it they are collected in the batch (small sources, tests)."""
    if kind not in SUFFIXES:
        raise ValueError(f"telemetry kind {kind!r} has no reader in this version yet")
    fs = filesystem_for(root, endpoint_url)
    refs = fs.list(root, SUFFIXES[kind], rotated=True)
    batch = TelemetryBatch(files=refs)
    samples: list[pl.DataFrame] = []
    jobs, pods, nodes, processes = [], [], [], []
    sightings: list[Sighting] = []
    newest_pod_list: list[datetime] = []

    def emit(frame: pl.DataFrame) -> None:
        conformed = frame.select([
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in SAMPLES_SCHEMA.items()])
        if on_samples is not None:
            on_samples(conformed)
        else:
            samples.append(conformed)
    def read_one(ref: FileRef, path: Path) -> None:
        shape = sniff(path) if kind == "nvidia_smi" else ""
        if shape == "dmon":
            dmon = parse_dmon(path, timezone=timezone, host=host or host_from_path(path))
            emit(dmon.frame.with_columns(pl.lit(ref.uri).alias("x_source_file")))
            batch.skipped += [InputProblem(file=ref.uri, row=n, message=why)
                              for n, why in dmon.skipped]
        elif shape == "compute_apps":
            found, bad = parse_compute_apps(path, timezone=timezone,
                                            host=host or host_from_path(path))
            processes.append(found)
            batch.skipped += [InputProblem(file=ref.uri, row=n, message=why) for n, why in bad]
        elif kind == "nvidia_smi":
            for part in iter_query_gpu(path, timezone=timezone, host=host, columns=columns):
                emit(part.frame.with_columns(pl.lit(ref.uri).alias("x_source_file")))
                batch.skipped += [InputProblem(file=ref.uri, row=n, message=why)
                                  for n, why in part.skipped]
        elif kind == "slurm":
            jobs.append(_slurm_jobs(path, ref.uri, timezone, batch.skipped))
        elif kind == "dcgm":
            scraped = (parse_range_query(path) if ref.uri.endswith(".json")
                       else parse_scrape(path, scrape_time_from=scrape_time))
            emit(scraped.frame.with_columns(pl.lit(ref.uri).alias("x_source_file")))
            batch.dropped_values += scraped.dropped
            batch.skipped += [InputProblem(file=ref.uri, row=n, message=why)
                              for n, why in scraped.skipped]
        elif kind == "kubernetes":
            snapshot = read_snapshot(path, ref.uri)
            taken = scrape_time_of(path, scrape_time)
            batch.skipped += snapshot.problems
            # The raw pods table keeps every sighting (a snapshot record); runs are made once
            # per pod from all of them, below.
            pods.append(pl.DataFrame([{
                "name": p.name, "namespace": p.namespace, "node": p.node, "gpus": p.gpus,
                "started_at": p.started_at, "ended_at": p.ended_at, "phase": p.phase,
                "snapshot_at": taken} for p in snapshot.pods], schema=POD_SCHEMA))
            nodes.append(pl.DataFrame([{
                "node": n.name, "instance_type": n.instance_type, "spot": n.spot,
                "snapshot_at": taken} for n in snapshot.nodes], schema=NODE_SCHEMA))
            sightings.extend(Sighting(p, taken, ref.uri) for p in snapshot.pods)
            if snapshot.lists_pods:
                newest_pod_list.append(taken)

    for ref in refs:
        try:
            read_one(ref, fs.local_path(ref))
        except UNREADABLE as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            batch.unreadable.append(InputProblem(
                file=ref.uri, message=f"could not be read ({type(exc).__name__}: {reason})"))
    if sightings:
        newest = max(newest_pod_list, default=None)
        jobs.append(_pod_jobs(pod_lifetimes(sightings, newest), run_tag, team_tag))
    if samples:
        batch.samples = pl.concat(samples)
    if jobs:
        batch.jobs = pl.concat(jobs, how="diagonal_relaxed")
    if processes:
        batch.processes = pl.concat(processes)
    if pods:
        batch.pods = pl.concat(pods)
        batch.nodes = pl.concat(nodes)
    return batch


def _pod_jobs(pods: list[Sighting], run_tag: str, team_tag: str) -> pl.DataFrame:
    """GPU pods as runs, one row per pod: the run label names the run (pods of one run share
    it), else the pod. A pod holds GPUs only once it is on a node and started (a Pending pod
    with no node is not a run)."""
    rows = []
    for sighting in pods:
        pod, uri = sighting.pod, sighting.uri
        if pod.gpus <= 0 or pod.started_at is None or not pod.node:
            continue
        labels = {normalize_tag_key(k): v for k, v in pod.labels.items()}
        run = labels.get(run_tag)
        rows.append({
            "run_id": f"k8s:{pod.namespace}/{run or pod.name}", "run_name": run or pod.name,
            "user": labels.get("user") or labels.get("owner"), "team": labels.get(team_tag),
            "started_at": pod.started_at, "ended_at": pod.ended_at, "gpu_count": pod.gpus,
            "hosts": [pod.node], "state": pod.phase, "pod": pod.name,
            "namespace": pod.namespace, "job": None, "x_source_file": uri})
    return pl.DataFrame(rows, schema=JOB_SCHEMA)


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
        "hosts": job.nodes, "state": job.state, "pod": None, "namespace": None,
        "job": job.job_id, "x_source_file": uri,
    } for job in parsed.jobs if job.start is not None]
    return pl.DataFrame(rows, schema=JOB_SCHEMA)
