"""dcgm-exporter files into a telemetry batch: text scrapes, or a Prometheus range query."""

from __future__ import annotations

from pathlib import Path

from connectors.files import FileRef
from connectors.telemetry.batch import Collector, TelemetryOptions
from connectors.telemetry.dcgm.scrape import parse_scrape

SUFFIXES = (".prom", ".txt", ".metrics", ".json")


class DcgmReader:
    def __init__(self, options: TelemetryOptions):
        self.options = options

    def read(self, ref: FileRef, path: Path, out: Collector) -> None:
        # parse_scrape tells a range-query JSON from a text scrape by its content
        scraped = parse_scrape(path, scrape_time_from=self.options.scrape_time)
        out.samples(scraped.frame, ref.uri)
        out.batch.dropped_values += scraped.dropped
        out.skipped(ref.uri, scraped.skipped)

    def close(self, out: Collector) -> None:
        """Nothing to finish: every scrape stands alone."""
