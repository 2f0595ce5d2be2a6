"""What a pod holds: Kubernetes' effective request per resource, and the GPUs in it.

The scheduler reserves for a pod, per resource, the larger of what its init phase and its run
phase need (``PodRequests`` in kubernetes' ``resourcehelper``): init containers run one at a
time before the app containers, so the init phase needs its largest init container; native
sidecars (init containers with ``restartPolicy: Always``) start in the init phase and keep
running beside the app containers, so they add to everything that runs after them. A GPU held
by an init container is held by the pod, billed as such, even if no app container asks for one.

GPUs are ``nvidia.com/gpu`` plus MIG slices (``nvidia.com/mig-3g.40gb``, ``mig-1g.5gb+me``):
an Ng slice is N of the GPU's 7 compute slices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from connectors.telemetry.kubernetes.quantity import parse_quantity

GPU_RESOURCE = "nvidia.com/gpu"
_MIG = re.compile(r"^nvidia\.com/mig-(\d+)g\.\d+gb(?:\+[a-z]+)*$")
MIG_SLICES_PER_GPU = 7
Requests = dict[str, Decimal]


def container_requests(container: Mapping[str, Any]) -> Requests:
    """One container's requests: its ``requests``, each resource defaulting to its ``limits``
    (as the API server defaults them), every quantity parsed (a bad one raises ValueError)."""
    resources = container.get("resources") or {}
    if not isinstance(resources, Mapping):
        raise ValueError(f"resources is {type(resources).__name__}, not an object")
    merged: Requests = {}
    for part in ("limits", "requests"):  # requests last: they win where both are given
        given = resources.get(part) or {}
        if not isinstance(given, Mapping):
            raise ValueError(f"resources.{part} is {type(given).__name__}, not an object")
        for resource, amount in given.items():
            try:
                merged[str(resource)] = parse_quantity(amount)
            except ValueError as exc:
                raise ValueError(f"{part}[{resource!r}]: {exc}") from None
    return merged


def _add(total: Requests, more: Requests) -> Requests:
    out = dict(total)
    for resource, amount in more.items():
        out[resource] = out.get(resource, Decimal(0)) + amount
    return out


def _max(left: Requests, right: Requests) -> Requests:
    out = dict(left)
    for resource, amount in right.items():
        out[resource] = max(out.get(resource, Decimal(0)), amount)
    return out


def effective_requests(
    containers: Iterable[Mapping[str, Any]], init_containers: Iterable[Mapping[str, Any]] = ()
) -> Requests:
    """Per resource: max(the init phase's peak, the app containers' sum + every sidecar).

    In the init phase a sidecar's need is all sidecars started so far (itself included), and an
    ordinary init container's is its own plus those sidecars."""
    sidecars: Requests = {}
    init_peak: Requests = {}
    for init in init_containers:
        own = container_requests(init)
        if init.get("restartPolicy") == "Always":
            sidecars = _add(sidecars, own)
            init_peak = _max(init_peak, sidecars)
        else:
            init_peak = _max(init_peak, _add(own, sidecars))
    running: Requests = dict(sidecars)
    for container in containers:
        running = _add(running, container_requests(container))
    return _max(running, init_peak)


def gpus_of(requests: Mapping[str, Decimal]) -> Fraction:
    """Whole GPUs plus MIG slices as a fraction of a GPU, exactly."""
    total = Fraction(0)
    for resource, amount in requests.items():
        if resource == GPU_RESOURCE:
            total += Fraction(amount)
        elif (match := _MIG.match(resource)) is not None:
            total += Fraction(amount) * int(match.group(1)) / MIG_SLICES_PER_GPU
    return total


def pod_gpus(spec: Mapping[str, Any]) -> Fraction:
    """The GPUs a pod holds, from its spec (containers and initContainers)."""
    containers = _containers(spec, "containers")
    init_containers = _containers(spec, "initContainers")
    return gpus_of(effective_requests(containers, init_containers))


def _containers(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    found = spec.get(key) or []
    if not isinstance(found, list) or not all(isinstance(c, Mapping) for c in found):
        raise ValueError(f"spec.{key} is not a list of containers")
    return found
