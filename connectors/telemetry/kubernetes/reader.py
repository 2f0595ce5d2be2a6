"""Pod and node snapshots into a telemetry batch: every sighting kept as a snapshot record, and
one run per pod made from all the snapshots that saw it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from connectors.cost_model import normalize_tag_key
from connectors.files import FileRef
from connectors.telemetry.batch import (
    JOB_SCHEMA,
    NODE_SCHEMA,
    POD_SCHEMA,
    Collector,
    TelemetryOptions,
)
from connectors.telemetry.dcgm.scrape import scrape_time
from connectors.telemetry.kubernetes.lifetimes import Sighting, pod_lifetimes
from connectors.telemetry.kubernetes.snapshot import read_snapshot

SUFFIXES = (".json",)


class KubernetesReader:
    def __init__(self, options: TelemetryOptions):
        self.options = options
        self.sightings: list[Sighting] = []
        self.pod_lists: list[datetime] = []

    def read(self, ref: FileRef, path: Path, out: Collector) -> None:
        snapshot = read_snapshot(path, ref.uri)
        taken = scrape_time(path, self.options.scrape_time)
        out.batch.skipped += snapshot.problems
        out.pods(
            pl.DataFrame(
                [
                    {
                        "name": p.name,
                        "namespace": p.namespace,
                        "node": p.node,
                        "gpus": p.gpus,
                        "started_at": p.started_at,
                        "ended_at": p.ended_at,
                        "phase": p.phase,
                        "snapshot_at": taken,
                    }
                    for p in snapshot.pods
                ],
                schema=POD_SCHEMA,
            ),
            pl.DataFrame(
                [
                    {
                        "node": n.name,
                        "instance_type": n.instance_type,
                        "spot": n.spot,
                        "snapshot_at": taken,
                    }
                    for n in snapshot.nodes
                ],
                schema=NODE_SCHEMA,
            ),
        )
        self.sightings.extend(Sighting(p, taken, ref.uri) for p in snapshot.pods)
        if snapshot.lists_pods:
            self.pod_lists.append(taken)

    def close(self, out: Collector) -> None:
        if self.sightings:
            lifetimes = pod_lifetimes(self.sightings, max(self.pod_lists, default=None))
            out.jobs(_pod_jobs(lifetimes, self.options.run_tag, self.options.team_tag))


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
        rows.append(
            {
                "run_id": f"k8s:{pod.namespace}/{run or pod.name}",
                "run_name": run or pod.name,
                "user": labels.get("user") or labels.get("owner"),
                "team": labels.get(team_tag),
                "started_at": pod.started_at,
                "ended_at": pod.ended_at,
                "gpu_count": pod.gpus,
                "hosts": [pod.node],
                "state": pod.phase,
                "pod": pod.name,
                "namespace": pod.namespace,
                "job": None,
                "x_source_file": uri,
            }
        )
    return pl.DataFrame(rows, schema=JOB_SCHEMA)
