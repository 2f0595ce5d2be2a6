"""nvidia-smi files into a telemetry batch: each file's shape is told from its first line."""

from __future__ import annotations

from pathlib import Path

from connectors.files import FileRef
from connectors.telemetry.batch import Collector, TelemetryOptions
from connectors.telemetry.nvidia_smi.other_formats import parse_compute_apps, parse_dmon, sniff
from connectors.telemetry.nvidia_smi.query_gpu import host_from_path, iter_query_gpu

SUFFIXES = (".csv", ".log", ".txt")


class NvidiaSmiReader:
    """--query-gpu CSV (streamed in chunks), dmon text, or --query-compute-apps CSV."""

    def __init__(self, options: TelemetryOptions):
        self.options = options

    def read(self, ref: FileRef, path: Path, out: Collector) -> None:
        shape, zone = sniff(path), self.options.timezone
        host = self.options.host or host_from_path(path)
        if shape == "dmon":
            dmon = parse_dmon(path, timezone=zone, host=host)
            out.samples(dmon.frame, ref.uri)
            out.skipped(ref.uri, dmon.skipped)
        elif shape == "compute_apps":
            found, bad = parse_compute_apps(path, timezone=zone, host=host)
            out.processes(found)
            out.skipped(ref.uri, bad)
        else:
            for part in iter_query_gpu(
                path, timezone=zone, host=self.options.host, columns=self.options.columns
            ):
                out.samples(part.frame, ref.uri)
                out.skipped(ref.uri, part.skipped)

    def close(self, out: Collector) -> None:
        """Nothing to finish: every file stands alone."""
