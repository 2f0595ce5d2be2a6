"""Kubernetes snapshots: ``kubectl get pods -o json`` and ``kubectl get nodes -o json``.

Pods that hold GPUs are runs: ``nvidia.com/gpu`` or MIG slices such as
``nvidia.com/mig-1g.10gb`` in their containers' requests or limits, counted by Kubernetes'
effective-request rule (``resources.py`` beside this file). Nodes give the instance type and
whether capacity is spot, from the labels the clouds and Karpenter set.

A snapshot is read whole (gzip or zstd too, told by magic bytes), bounded in size and nesting
depth; a pod or node that cannot be read is named and skipped, and the rest of the file loads.
One snapshot says what each pod looked like at one instant; ``lifetimes.py`` beside this file
turns the snapshots of a source into one lifetime per pod.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from connectors.compressed import open_binary
from connectors.errors import InputError, InputProblem
from connectors.telemetry.kubernetes.resources import MIG_SLICES_PER_GPU, pod_gpus

__all__ = [
    "MIG_SLICES_PER_GPU",
    "Node",
    "Pod",
    "Snapshot",
    "gpus_requested",
    "parse_snapshot",
    "read_snapshot",
]

#: Larger than any real cluster's ``kubectl get pods -A -o json`` (about 10 KB a pod), small
#: enough that a runaway or hostile file is refused before it is held in memory.
MAX_BYTES = 512 * 2**20
#: A pod is about 10 levels deep; anything far deeper is not a snapshot.
MAX_DEPTH = 64
SPOT_LABELS = {
    "eks.amazonaws.com/capacityType": "SPOT",
    "karpenter.sh/capacity-type": "spot",
    "cloud.google.com/gke-spot": "true",
    "cloud.google.com/gke-preemptible": "true",
    "kubernetes.azure.com/scalesetpriority": "spot",
}
TERMINATED_PHASES = ("Succeeded", "Failed")


@dataclass
class Pod:
    name: str
    namespace: str
    node: str | None
    labels: dict[str, str]
    gpus: float
    started_at: datetime | None
    #: When a Succeeded/Failed pod ended: its containers' latest ``finishedAt``, else (an
    #: evicted pod often has no container state) its conditions' latest transition. None while
    #: it runs, or when the snapshot says it ended but not when.
    ended_at: datetime | None
    phase: str
    uid: str | None = None
    reason: str | None = None

    @property
    def key(self) -> str:
        """What identifies the pod across snapshots: its uid, else namespace/name."""
        return self.uid or f"{self.namespace}/{self.name}"

    @property
    def terminated(self) -> bool:
        return self.phase in TERMINATED_PHASES


@dataclass
class Node:
    name: str
    instance_type: str | None
    spot: bool
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Snapshot:
    pods: list[Pod] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    #: Items that could not be read, each named (namespace/name) with why.
    problems: list[InputProblem] = field(default_factory=list)
    #: A pod list (it held pods, or was an empty list): pods it does not show are gone.
    lists_pods: bool = False


def gpus_requested(
    containers: list[dict[str, Any]], init_containers: list[dict[str, Any]] | None = None
) -> float:
    """Whole GPUs plus MIG slices (a 3g.40gb slice is 3/7 of a GPU) the containers hold."""
    return float(pod_gpus({"containers": containers, "initContainers": init_containers or []}))


def read_snapshot(path: Path, uri: str | None = None) -> Snapshot:
    """Pods and nodes of one snapshot file; unreadable items become problems against ``uri``.
    A file that is not a snapshot at all (too big, too deep, not JSON) raises ValueError."""
    uri = uri or str(path)
    body = _load_bounded(path)
    if isinstance(body, list):
        items, list_kind = body, ""
    elif isinstance(body, dict) and isinstance(body.get("items"), list):
        items, list_kind = body["items"], str(body.get("kind") or "")
    elif isinstance(body, dict) and body.get("kind") in ("Pod", "Node"):
        items, list_kind = [body], ""
    else:
        raise ValueError("not a Kubernetes list (no 'items') nor a Pod or Node")
    snapshot = Snapshot(lists_pods=not items or list_kind == "PodList")
    for number, item in enumerate(items, start=1):
        kind = _kind(item, list_kind)
        try:
            if kind == "Pod":
                snapshot.pods.append(_pod(item))
                snapshot.lists_pods = True
            elif kind == "Node":
                snapshot.nodes.append(_node(item))
            elif kind is None:
                raise ValueError("neither a Pod nor a Node")
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            snapshot.problems.append(
                InputProblem(
                    file=uri,
                    row=number,
                    message=f"{kind or 'item'} {_name_of(item)} skipped: {exc}",
                )
            )
    return snapshot


def parse_snapshot(path: Path) -> tuple[list[Pod], list[Node]]:
    """Pods and nodes of a snapshot that must read cleanly (InputError names what did not)."""
    snapshot = read_snapshot(path)
    if snapshot.problems:
        raise InputError(snapshot.problems)
    return snapshot.pods, snapshot.nodes


def _load_bounded(path: Path) -> Any:
    with open_binary(path) as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"snapshot is larger than {MAX_BYTES / 2**20:g} MiB (decompressed)")
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if _depth_exceeds(body, MAX_DEPTH):
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return body


def _depth_exceeds(body: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _kind(item: Any, list_kind: str) -> str | None:
    """Pod or Node (kubectl writes each item's kind; the API's PodList/NodeList items carry
    none); another kind (a Service in ``kubectl get all``) is '' and passed over."""
    if not isinstance(item, Mapping):
        return None
    kind = item.get("kind") or {"PodList": "Pod", "NodeList": "Node"}.get(list_kind)
    if kind:
        return str(kind) if kind in ("Pod", "Node") else ""
    spec, status = item.get("spec"), item.get("status")
    if isinstance(spec, Mapping) and "containers" in spec:
        return "Pod"
    if isinstance(status, Mapping) and "nodeInfo" in status:
        return "Node"
    return None


def _name_of(item: Any) -> str:
    if not isinstance(item, Mapping) or not isinstance(item.get("metadata"), Mapping):
        return f"({type(item).__name__}, no metadata)"
    meta = item["metadata"]
    return f"{meta.get('namespace') or 'default'}/{meta.get('name') or '?'}"


def _object(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = item.get(key) or {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} is {type(value).__name__}, not an object")
    return value


def _labels(meta: Mapping[str, Any]) -> dict[str, str]:
    labels = _object(meta, "labels")
    return {str(k): str(v) for k, v in labels.items()}


def _node(item: Mapping[str, Any]) -> Node:
    meta = _object(item, "metadata")
    labels = _labels(meta)
    return Node(
        name=str(meta.get("name") or ""),
        instance_type=labels.get("node.kubernetes.io/instance-type")
        or labels.get("beta.kubernetes.io/instance-type"),
        spot=any(labels.get(k, "").lower() == v.lower() for k, v in SPOT_LABELS.items()),
        labels=labels,
    )


def _pod(item: Mapping[str, Any]) -> Pod:
    meta, spec, status = (_object(item, k) for k in ("metadata", "spec", "status"))
    phase = str(status.get("phase") or "")
    statuses = [
        s for key in ("initContainerStatuses", "containerStatuses") for s in status.get(key) or []
    ]
    finished = [
        _time(_object(_object(s, "state"), "terminated").get("finishedAt")) for s in statuses
    ]
    ended = None
    if phase in TERMINATED_PHASES:
        ended = max((f for f in finished if f), default=None) or _last_transition(status)
    gpus: Fraction = pod_gpus(spec)
    return Pod(
        name=str(meta.get("name") or ""),
        namespace=str(meta.get("namespace") or "default"),
        node=_text(spec.get("nodeName")),
        labels=_labels(meta),
        gpus=float(gpus),
        started_at=_time(status.get("startTime")),
        ended_at=ended,
        phase=phase,
        uid=_text(meta.get("uid")),
        reason=_text(status.get("reason")),
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _last_transition(status: Mapping[str, Any]) -> datetime | None:
    """The latest condition change: when an evicted pod without container states stopped."""
    changes = [
        _time(c.get("lastTransitionTime"))
        for c in status.get("conditions") or []
        if isinstance(c, Mapping)
    ]
    return max((c for c in changes if c), default=None)


def _time(text: Any) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
