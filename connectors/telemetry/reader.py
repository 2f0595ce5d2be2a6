"""Read the files of a telemetry source with its tool's reader, file by file.

Which reader and which file names belong to a kind is said once, in connectors/registry.py. A
file that cannot be read at all is recorded whole (the load then fails that source, naming it);
the other files are still read. ``read_telemetry`` reads every file under a root;
``read_telemetry_files`` reads the files it is given, so a caller that keeps what files already
gave can read only the new ones.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from connectors.errors import InputProblem
from connectors.files import FileRef, FileSystem, filesystem_for
from connectors.registry import telemetry_kind
from connectors.telemetry.batch import (
    JOB_SCHEMA,
    NODE_SCHEMA,
    POD_SCHEMA,
    SAMPLES_SCHEMA,
    UNREADABLE,
    Collector,
    TelemetryBatch,
    TelemetryOptions,
)

__all__ = [
    "JOB_SCHEMA",
    "NODE_SCHEMA",
    "POD_SCHEMA",
    "SAMPLES_SCHEMA",
    "TelemetryBatch",
    "TelemetryOptions",
    "read_telemetry",
    "read_telemetry_files",
]


def read_telemetry(
    kind: str,
    root: str,
    *,
    timezone: str = "UTC",
    host: str | None = None,
    columns: list[str] | None = None,
    endpoint_url: str | None = None,
    scrape_time: str = "filename",
    run_tag: str = "training_run",
    team_tag: str = "team",
    on_samples: Callable[[pl.DataFrame], None] | None = None,
) -> TelemetryBatch:
    """Read every file of a telemetry source. GPU samples go to ``on_samples`` chunk by chunk
    (in SAMPLES_SCHEMA) when given; without it they are collected in the batch."""
    spec = telemetry_kind(kind)
    fs = filesystem_for(root, endpoint_url)
    options = TelemetryOptions(
        timezone=timezone,
        host=host,
        columns=columns,
        scrape_time=scrape_time,
        run_tag=run_tag,
        team_tag=team_tag,
    )
    return read_telemetry_files(
        kind, fs, fs.list(root, spec.suffixes, rotated=True), options, on_samples
    )


def read_telemetry_files(
    kind: str,
    fs: FileSystem,
    refs: list[FileRef],
    options: TelemetryOptions,
    on_samples: Callable[[pl.DataFrame], None] | None = None,
) -> TelemetryBatch:
    """Read ``refs`` (files of one source, as ``fs`` listed them) with one reader of ``kind``,
    closed after the last; ``on_samples`` as in ``read_telemetry``."""
    out = Collector(TelemetryBatch(files=list(refs)), on_samples)
    reader = telemetry_kind(kind).open_reader(options)
    for ref in refs:
        try:
            reader.read(ref, fs.local_path(ref), out)
        except UNREADABLE as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            out.batch.unreadable.append(
                InputProblem(
                    file=ref.uri, message=f"could not be read ({type(exc).__name__}: {reason})"
                )
            )
    reader.close(out)
    return out.finish()
