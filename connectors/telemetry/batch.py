"""What every telemetry reader produces, and the sink it writes into.

A telemetry source yields GPU samples (one row per GPU per sampling instant, UTC), scheduler
jobs (runs placed on hosts), Kubernetes pod and node sightings and GPU processes. Each tool's
reader (one folder per tool beside this file) reads one file at a time into a ``Collector``;
``reader.read_telemetry`` walks the files. Rows that cannot be read are skipped and counted with
the file and line, so a bad line costs that line and is reported, never a silent wrong number.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl
import zstandard

from connectors.errors import InputProblem
from connectors.files import FileRef
from connectors.telemetry.nvidia_smi.other_formats import PROCESS_SCHEMA
from connectors.telemetry.nvidia_smi.query_gpu import SAMPLE_SCHEMA

JOB_SCHEMA: dict[str, pl.DataType] = {
    "run_id": pl.Utf8(),
    "run_name": pl.Utf8(),
    "user": pl.Utf8(),
    "team": pl.Utf8(),
    "started_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "gpu_count": pl.Float64(),
    "hosts": pl.List(pl.Utf8()),
    "state": pl.Utf8(),
    "pod": pl.Utf8(),
    "namespace": pl.Utf8(),
    "job": pl.Utf8(),
    # DCGM only: the energy counter and the profiling ratios (nvidia-smi has neither)
    "energy_mj": pl.Float64(),
    "sm_active": pl.Float64(),
    "tensor_active": pl.Float64(),
    "dram_active": pl.Float64(),
    "x_source_file": pl.Utf8(),
}
SAMPLES_SCHEMA: dict[str, pl.DataType] = {
    **SAMPLE_SCHEMA,
    "mig_instance": pl.Utf8(),
    "mig_profile": pl.Utf8(),
    "pod": pl.Utf8(),
    "namespace": pl.Utf8(),
    "job": pl.Utf8(),
    # DCGM only: the energy counter and the profiling ratios (nvidia-smi has neither)
    "energy_mj": pl.Float64(),
    "sm_active": pl.Float64(),
    "tensor_active": pl.Float64(),
    "dram_active": pl.Float64(),
    "x_source_file": pl.Utf8(),
}
POD_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.Utf8(),
    "namespace": pl.Utf8(),
    "node": pl.Utf8(),
    "gpus": pl.Float64(),
    "started_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "phase": pl.Utf8(),
    "snapshot_at": pl.Datetime("us"),
}
NODE_SCHEMA: dict[str, pl.DataType] = {
    "node": pl.Utf8(),
    "instance_type": pl.Utf8(),
    "spot": pl.Boolean(),
    "snapshot_at": pl.Datetime("us"),
}
#: What a malformed telemetry file can raise while being parsed: reported against the file,
#: never a crash of the whole load.
UNREADABLE = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    EOFError,
    RecursionError,
    zstandard.ZstdError,
    zlib.error,
    pl.exceptions.PolarsError,
)


@dataclass(frozen=True)
class TelemetryOptions:
    """A source's settings that readers use (each reader takes what applies to it)."""

    timezone: str = "UTC"
    host: str | None = None
    columns: list[str] | None = None
    scrape_time: str = "filename"
    run_tag: str = "training_run"
    team_tag: str = "team"


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


class Collector:
    """Where a reader puts what it read. Samples go to ``on_samples`` chunk by chunk when given,
    so a month of 1-second samples never sits in memory at once."""

    def __init__(
        self, batch: TelemetryBatch, on_samples: Callable[[pl.DataFrame], None] | None = None
    ):
        self.batch = batch
        self._on_samples = on_samples
        self._samples: list[pl.DataFrame] = []
        self._jobs: list[pl.DataFrame] = []
        self._pods: list[pl.DataFrame] = []
        self._nodes: list[pl.DataFrame] = []
        self._processes: list[pl.DataFrame] = []

    def samples(self, frame: pl.DataFrame, uri: str) -> None:
        frame = frame.with_columns(pl.lit(uri).alias("x_source_file"))
        conformed = frame.select(
            [
                (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
                for c, t in SAMPLES_SCHEMA.items()
            ]
        )
        if self._on_samples is not None:
            self._on_samples(conformed)
        else:
            self._samples.append(conformed)

    def jobs(self, frame: pl.DataFrame) -> None:
        self._jobs.append(frame)

    def pods(self, pods: pl.DataFrame, nodes: pl.DataFrame) -> None:
        self._pods.append(pods)
        self._nodes.append(nodes)

    def processes(self, frame: pl.DataFrame) -> None:
        self._processes.append(frame)

    def skipped(self, uri: str, lines: list[tuple[int, str]]) -> None:
        self.batch.skipped += [InputProblem(file=uri, row=n, message=why) for n, why in lines]

    def finish(self) -> TelemetryBatch:
        batch = self.batch
        if self._samples:
            batch.samples = pl.concat(self._samples)
        if self._jobs:
            batch.jobs = pl.concat(self._jobs, how="diagonal_relaxed")
        if self._processes:
            batch.processes = pl.concat(self._processes)
        if self._pods:
            batch.pods = pl.concat(self._pods)
            batch.nodes = pl.concat(self._nodes)
        return batch


class TelemetryReader(Protocol):
    """One tool's reader: built per source read, fed every file, then closed (a reader may
    need all files before it can say something, as pods seen in many snapshots do)."""

    def read(self, ref: FileRef, path: Path, out: Collector) -> None: ...

    def close(self, out: Collector) -> None: ...


ReaderFactory = Callable[[TelemetryOptions], TelemetryReader]
