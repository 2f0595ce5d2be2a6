"""Load telemetry by (source, UTC day): GPU samples and scheduler jobs, each day replaced whole.

Telemetry may lose a bad line (it is counted and recorded with its file and line in
meta.load_errors) but never a day: a day is replaced in one transaction, like a billing period.
Raw samples are also archived as zstd parquet per (source, day) beside the warehouse, so
attribution can be redone from them when a running job ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from aispend.config import AispendConfig, SourceConfig
from aispend.warehouse import writer
from connectors.cost_model import normalize_tag_key
from connectors.telemetry import NODE_SCHEMA, POD_SCHEMA, TelemetryBatch, read_telemetry


@dataclass
class TelemetryResult:
    source: str
    day: str
    samples: int
    jobs: int
    skipped: int


def read_source(config: AispendConfig, source: SourceConfig) -> TelemetryBatch:
    return read_telemetry(source.kind, config.source_path(source), timezone=source.timezone,
                          host=source.host, columns=source.columns,
                          endpoint_url=source.endpoint_url, scrape_time=source.scrape_time,
                          run_tag=normalize_tag_key(config.runs.run_tag),
                          team_tag=normalize_tag_key(config.runs.team_tag))


def telemetry_days(batch: TelemetryBatch) -> list[str]:
    days = set(batch.samples.get_column("ts").dt.date().drop_nulls().to_list())
    days |= set(batch.jobs.get_column("started_at").dt.date().drop_nulls().to_list())
    days |= set(batch.pods.get_column("snapshot_at").dt.date().drop_nulls().to_list())
    return sorted(d.isoformat() for d in days)


def archive_dir(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}.telemetry")


def load_telemetry_day(config: AispendConfig, source: SourceConfig, day: str, *,
                       warehouse: Path | None = None, batch: TelemetryBatch | None = None
                       ) -> TelemetryResult:
    warehouse = warehouse or config.warehouse_path
    batch = batch or read_source(config, source)
    when = date.fromisoformat(day)
    samples = batch.samples.filter(pl.col("ts").dt.date() == when).with_columns(
        pl.lit(source.name).alias("x_source"), pl.lit(when).alias("day"))
    jobs = batch.jobs.filter(pl.col("started_at").dt.date() == when).with_columns(
        pl.lit(source.name).alias("x_source"), pl.lit(when).alias("day"))
    pods = batch.pods.filter(pl.col("snapshot_at").dt.date() == when).with_columns(
        pl.lit(source.name).alias("x_source"), pl.lit(when).alias("day"))
    nodes = batch.nodes.filter(pl.col("snapshot_at").dt.date() == when).with_columns(
        pl.lit(source.name).alias("x_source"), pl.lit(when).alias("day"))
    skipped = list(batch.skipped)
    if samples.height:
        folder = archive_dir(warehouse) / source.name
        folder.mkdir(parents=True, exist_ok=True)
        samples.write_parquet(folder / f"{day}.parquet", compression="zstd")
    load_id, started = uuid.uuid4().hex[:12], _now()
    sample_rows = samples.select(
        "x_source", "day", "host", "gpu_index", "gpu_uuid", "gpu_name", "ts", "util_pct",
        "mem_used_mib", "mem_total_mib", "power_w", "mig_instance", "mig_profile", "pod",
        "namespace", "x_source_file").to_arrow()
    pod_rows = pods.select("x_source", "day", *POD_SCHEMA).to_arrow()
    node_rows = nodes.select("x_source", "day", *NODE_SCHEMA).to_arrow()
    job_rows = jobs.select(
        "x_source", "day", "run_id", "run_name", "user", "team", "started_at", "ended_at",
        "gpu_count", "hosts", "state", "x_source_file").to_arrow()
    key = [source.name, when]
    with writer(warehouse) as con:
        con.register("sample_rows", sample_rows)
        con.register("job_rows", job_rows)
        con.register("pod_rows", pod_rows)
        con.register("node_rows", node_rows)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM raw.gpu_samples WHERE x_source = ? AND day = ?", key)
            con.execute("INSERT INTO raw.gpu_samples SELECT * FROM sample_rows")
            con.execute("DELETE FROM raw.scheduler_jobs WHERE x_source = ? AND day = ?", key)
            con.execute("INSERT INTO raw.scheduler_jobs SELECT * FROM job_rows")
            for table, rows in (("raw.k8s_pods", "pod_rows"), ("raw.k8s_nodes", "node_rows")):
                con.execute(f"DELETE FROM {table} WHERE x_source = ? AND day = ?", key)
                con.execute(f"INSERT INTO {table} SELECT * FROM {rows}")
            con.execute(
                "INSERT INTO meta.loads VALUES (?, ?, ?, 'loaded', ?, ?, ?, ?, ?)",
                [load_id, source.name, day, started, _now(), len(batch.files),
                 samples.height + jobs.height,
                 f"skipped {len(skipped)} unreadable line(s)" if skipped else None])
            if skipped:
                con.executemany(
                    "INSERT INTO meta.load_errors VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [[load_id, source.name, day, p.file, p.row, p.column, p.message, _now()]
                     for p in skipped])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
    return TelemetryResult(source.name, day, samples.height, jobs.height, len(skipped))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
