"""Kubernetes snapshots: ``kubectl get pods -o json`` and ``kubectl get nodes -o json``.

Pods that request GPUs are runs: ``nvidia.com/gpu`` in their containers' limits, or MIG slices
such as ``nvidia.com/mig-1g.10gb``, each worth its compute slices out of the GPU's 7. Nodes give
the instance type and whether capacity is spot, from the labels the clouds and Karpenter set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_MIG = re.compile(r"^nvidia\.com/mig-(\d+)g\.[0-9]+gb$")
MIG_SLICES_PER_GPU = 7
SPOT_LABELS = {
    "eks.amazonaws.com/capacityType": "SPOT",
    "karpenter.sh/capacity-type": "spot",
    "cloud.google.com/gke-spot": "true",
    "cloud.google.com/gke-preemptible": "true",
    "kubernetes.azure.com/scalesetpriority": "spot",
}


@dataclass
class Pod:
    name: str
    namespace: str
    node: str | None
    labels: dict[str, str]
    gpus: float
    started_at: datetime | None
    ended_at: datetime | None
    phase: str


@dataclass
class Node:
    name: str
    instance_type: str | None
    spot: bool
    labels: dict[str, str] = field(default_factory=dict)


def gpus_requested(containers: list[dict[str, Any]]) -> float:
    """Whole GPUs plus MIG slices (a 3g.40gb slice is 3/7 of a GPU) over all containers."""
    total = 0.0
    for container in containers:
        limits = (container.get("resources") or {}).get("limits") or {}
        for resource, amount in limits.items():
            count = float(str(amount))
            if resource == "nvidia.com/gpu":
                total += count
            elif (match := _MIG.match(resource)) is not None:
                total += count * int(match.group(1)) / MIG_SLICES_PER_GPU
    return total


def parse_snapshot(path: Path) -> tuple[list[Pod], list[Node]]:
    body = json.loads(path.read_text(encoding="utf-8"))
    items = body.get("items", [body]) if isinstance(body, dict) else body
    pods, nodes = [], []
    for item in items:
        kind = item.get("kind") or ("Pod" if "containers" in item.get("spec", {}) else "Node")
        meta = item.get("metadata", {})
        if kind == "Node":
            labels = meta.get("labels") or {}
            nodes.append(Node(
                name=meta.get("name", ""),
                instance_type=labels.get("node.kubernetes.io/instance-type")
                or labels.get("beta.kubernetes.io/instance-type"),
                spot=any(labels.get(k, "").lower() == v.lower() for k, v in SPOT_LABELS.items()),
                labels=labels))
            continue
        spec, status = item.get("spec", {}), item.get("status", {})
        finished = [s.get("state", {}).get("terminated", {}).get("finishedAt")
                    for s in status.get("containerStatuses") or []]
        done = status.get("phase") in ("Succeeded", "Failed") and all(finished) and finished
        pods.append(Pod(
            name=meta.get("name", ""), namespace=meta.get("namespace", "default"),
            node=spec.get("nodeName"), labels=meta.get("labels") or {},
            gpus=gpus_requested(spec.get("containers", [])),
            started_at=_time(status.get("startTime")),
            ended_at=_time(max(f for f in finished if f)) if done else None,
            phase=status.get("phase", "")))
    return pods, nodes


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
