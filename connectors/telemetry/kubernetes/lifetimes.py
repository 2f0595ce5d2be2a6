"""One lifetime per pod from many snapshots of a cluster.

Snapshots are taken again and again (a cron running ``kubectl get pods -A -o json``), so a pod
that runs for a day is in every one of them. Billing each sighting would count its GPUs once per
snapshot; a pod is one pod (its ``metadata.uid``, else namespace/name), holding its GPUs once,
from its start to its end:

- it ended (phase Succeeded or Failed): its containers' latest ``finishedAt``, else its
  conditions' latest transition (evicted pods often keep no container state), and never before
  the last snapshot that saw it still running; with none of these (first seen already evicted,
  no times at all) nothing of its run was seen, and it ends where it started;
- it stopped appearing without an end: the last snapshot that saw it;
- it is in the newest pod snapshot and has not ended: it is still running (no end), as Slurm's
  running jobs are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from connectors.telemetry.kubernetes.snapshot import Pod


@dataclass(frozen=True)
class Sighting:
    pod: Pod
    seen_at: datetime  # the snapshot's time
    uri: str  # the snapshot file


def pod_lifetimes(sightings: list[Sighting], newest: datetime | None) -> list[Sighting]:
    """The latest sighting of each pod, its start and end resolved over all its sightings.

    ``newest`` is the time of the newest pod snapshot of the source: a pod it does not show
    has gone."""
    by_pod: dict[str, list[Sighting]] = {}
    for sighting in sorted(sightings, key=lambda s: s.seen_at):
        by_pod.setdefault(sighting.pod.key, []).append(sighting)
    resolved = []
    for seen in by_pod.values():
        last = seen[-1]
        started = min((s.pod.started_at for s in seen if s.pod.started_at), default=None)
        node = next((s.pod.node for s in reversed(seen) if s.pod.node), None)
        running = [s.seen_at for s in seen if not s.pod.terminated]
        ended: datetime | None
        if last.pod.terminated:
            evidence = [t for t in (last.pod.ended_at, max(running, default=None)) if t]
            ended = max(evidence, default=started)
        elif newest is not None and last.seen_at < newest:
            ended = last.seen_at
        else:
            ended = None
        if ended is not None and started is not None and ended < started:
            ended = started
        pod = replace(last.pod, started_at=started, ended_at=ended, node=node)
        resolved.append(replace(last, pod=pod))
    return resolved
