"""Load telemetry by (source, UTC day): GPU samples, jobs and pods, each day replaced whole.

GPU samples are streamed: every chunk a parser yields is split by UTC day and written as a zstd
parquet part under ``<warehouse>.telemetry/<source>/``, kept per file so that a file is parsed
once (aispend/telemetry_archive.py), and a day is then loaded by DuckDB straight from its parts.
Memory stays at one chunk whatever the month holds, and the parts are the raw archive from which
attribution can be redone when a running job ends. Telemetry may lose a bad line (counted and
recorded with its file and line in meta.load_errors) but never a day: a day is replaced in one
transaction, like a billing period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb

from aispend.config import AispendConfig, SourceConfig
from aispend.errors import InputProblem
from aispend.telemetry_archive import stage_source
from aispend.telemetry_day import Staged, day_rows
from aispend.warehouse import record_load_errors, transaction, utc_now, writer
from connectors.files import FileRef, filesystem_for
from connectors.telemetry.reader import SAMPLES_SCHEMA

__all__ = ["Staged", "stage", "load_telemetry_day", "days_to_load", "changed_days"]

SAMPLE_COLUMNS = [
    "x_source",
    "day",
    *[c for c in SAMPLES_SCHEMA if c != "x_source_file"],
    "x_source_file",
]


@dataclass
class TelemetryResult:
    source: str
    day: str
    samples: int
    jobs: int
    skipped: int


def archive_dir(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}.telemetry")


#: The last staging of each source in this process, with the file listing it was made from:
#: ``aispend run`` stages a source to find its days and the asset it then runs needs the same.
_STAGED: dict[tuple[str, ...], tuple[list[FileRef], Staged]] = {}


def stage(config: AispendConfig, source: SourceConfig, warehouse: Path | None = None) -> Staged:
    """Every file of ``source`` as parsed; samples land as parquet parts, a chunk at a time.

    Files parsed by an earlier read are not parsed again (aispend/telemetry_archive.py), and
    within one process a source whose files, settings and warehouse are unchanged is not even
    looked at again."""
    warehouse = warehouse or config.warehouse_path
    key = (source.model_dump_json(), config.runs.model_dump_json(), str(warehouse))
    root = config.source_path(source)
    listed = filesystem_for(root, source.endpoint_url).list(
        root, source.source_kind.suffixes, rotated=True
    )
    cached = _STAGED.get(key)
    if cached is not None and cached[0] == listed and cached[1].folder.exists():
        return replace(cached[1], parsed=0, reused=len(listed))  # nothing parsed this time
    staged = stage_source(config, source, archive_dir(warehouse) / source.name, listed)
    _STAGED[key] = (listed, staged)
    return staged


def days_to_load(
    staged: Staged, days: set[str] | None, known: dict[str, str] | None
) -> tuple[list[str], list[str]]:
    """(the days the source holds within ``days``, those of them to load): with ``known`` (day ->
    fingerprint of its last load) only the changed ones, else all."""
    held = [d for d in telemetry_days(staged) if days is None or d in days]
    return held, held if known is None else changed_days(staged, known, held)


def changed_days(staged: Staged, loaded: dict[str, str], days: list[str]) -> list[str]:
    """Those of ``days`` whose content differs from the fingerprint their last load recorded
    (``loaded``: day -> fingerprint, from meta.telemetry_days)."""
    return [d for d in days if loaded.get(d) != staged.fingerprint(d)]


def telemetry_fingerprints(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT day, fingerprint FROM meta.telemetry_days WHERE x_source = ?", [source]
    ).fetchall()
    return {str(day): fingerprint for day, fingerprint in rows}


def telemetry_days(staged: Staged) -> list[str]:
    batch = staged.batch
    days = {date.fromisoformat(d) for d in staged.sample_days}
    days |= set(batch.jobs.get_column("started_at").dt.date().drop_nulls().to_list())
    days |= set(batch.pods.get_column("snapshot_at").dt.date().drop_nulls().to_list())
    days |= set(batch.processes.get_column("ts").dt.date().drop_nulls().to_list())
    return sorted(d.isoformat() for d in days)


def load_telemetry_day(
    config: AispendConfig,
    source: SourceConfig,
    day: str,
    *,
    warehouse: Path | None = None,
    staged: Staged | None = None,
) -> TelemetryResult:
    warehouse = warehouse or config.warehouse_path
    staged = staged or stage(config, source, warehouse)
    batch, when = staged.batch, date.fromisoformat(day)
    rows = day_rows(staged, day)
    jobs, pods, nodes, processes = rows.jobs, rows.pods, rows.nodes, rows.processes
    parts = rows.parts
    fingerprint = staged.fingerprint(day, rows)
    skipped = list(batch.skipped) + list(batch.unreadable)
    load_id, started = uuid.uuid4().hex[:12], utc_now()
    key = [source.name, when]
    with writer(warehouse) as con:
        con.register("job_rows", jobs.to_arrow())
        con.register("pod_rows", pods.to_arrow())
        con.register("node_rows", nodes.to_arrow())
        con.register("process_rows", processes.to_arrow())
        with transaction(con):
            con.execute("DELETE FROM raw.gpu_samples WHERE x_source = ? AND day = ?", key)
            if parts:
                # By name: a warehouse upgraded from an older aispend has its newer columns last.
                columns = ", ".join(SAMPLE_COLUMNS[2:])
                con.execute(
                    f"INSERT INTO raw.gpu_samples BY NAME SELECT ? AS x_source, ? AS day, "
                    f"{columns} FROM read_parquet(?)",
                    key + [[str(p) for p in parts]],
                )
            for table, registered in (
                ("raw.scheduler_jobs", "job_rows"),
                ("raw.k8s_pods", "pod_rows"),
                ("raw.k8s_nodes", "node_rows"),
                ("raw.gpu_processes", "process_rows"),
            ):
                con.execute(f"DELETE FROM {table} WHERE x_source = ? AND day = ?", key)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {registered}")
            row = con.execute(
                "SELECT count(*) FROM raw.gpu_samples WHERE x_source = ? AND day = ?", key
            ).fetchone()
            samples = int(row[0]) if row else 0
            con.execute(
                "INSERT INTO meta.loads VALUES (?, ?, ?, 'loaded', ?, ?, ?, ?, ?)",
                [
                    load_id,
                    source.name,
                    day,
                    started,
                    utc_now(),
                    len(batch.files),
                    samples + jobs.height + pods.height,
                    f"skipped {len(skipped)} unreadable line(s)" if skipped else None,
                ],
            )
            record_load_errors(con, load_id, source.name, day, skipped)
            con.execute("DELETE FROM meta.telemetry_days WHERE x_source = ? AND day = ?", key)
            con.execute(
                "INSERT INTO meta.telemetry_days VALUES (?, ?, ?, ?)",
                key + [fingerprint, utc_now()],
            )
        con.execute("CHECKPOINT")
    return TelemetryResult(source.name, day, samples, jobs.height, len(skipped))


#: meta.loads' period for a telemetry source's whole-source failures (files whose day cannot
#: be told because they could not be read at all).
UNREADABLE_PERIOD = "unreadable files"


def record_unreadable(source: SourceConfig, problems: list[InputProblem], warehouse: Path) -> None:
    """A failed load naming every file of ``source`` that could not be read, so `aispend
    status` shows it; a later run that reads them all records a clean attempt over it."""
    load_id, now = uuid.uuid4().hex[:12], utc_now()
    with writer(warehouse) as con, transaction(con):
        status = "failed" if problems else "loaded"
        previous = con.execute(
            "SELECT count(*) FROM meta.loads WHERE source = ? AND period = ?",
            [source.name, UNREADABLE_PERIOD],
        ).fetchone()
        if not problems and not (previous and previous[0]):
            return
        con.execute(
            "INSERT INTO meta.loads VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
            [
                load_id,
                source.name,
                UNREADABLE_PERIOD,
                status,
                now,
                now,
                len(problems),
                f"{len(problems)} file(s) could not be read" if problems else None,
            ],
        )
        record_load_errors(con, load_id, source.name, UNREADABLE_PERIOD, problems)
