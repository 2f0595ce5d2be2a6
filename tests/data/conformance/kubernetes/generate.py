"""Writes the Kubernetes conformance corpus: two pod snapshots and a node snapshot of one cluster.

Pods and nodes are built with the official client's models (``kubernetes`` 37.0.3, the API's
own OpenAPI types) and serialized with ``ApiClient().sanitize_for_serialization``, which writes
what the API server returns: camelCase keys, fields left unset omitted. Written with
``json.dumps(..., indent=4)`` as ``kubectl get pods -A -o json`` lays them out, in kubectl's
``{"apiVersion": "v1", "kind": "List", "items": [...]}`` envelope.

Resource quantities are written in the canonical forms the API server returns ("500m", "2",
"16Gi", "512M", "1e9", "1536Mi"): the server re-serializes every quantity, so a manifest's
"0.5" comes back as "500m" and "1.5Gi" as "1536Mi".

Run from the repository root: ``.venv/bin/python tests/data/conformance/kubernetes/generate.py``
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kubernetes import client as k

HERE = Path(__file__).parent
CLUSTER = HERE / "cluster"
FIRST, SECOND = datetime(2026, 11, 3, 10, 0, tzinfo=UTC), datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def at(clock: str) -> datetime:
    hour, minute, *second = (int(x) for x in clock.split(":"))
    return datetime(2026, 11, 3, hour, minute, second[0] if second else 0, tzinfo=UTC)


def limits(**amounts: str) -> dict[str, str]:
    """Resource names as the API writes them (``nvidia_com_gpu`` -> ``nvidia.com/gpu``)."""
    names = {
        "nvidia_com_gpu": "nvidia.com/gpu",
        "ephemeral_storage": "ephemeral-storage",
        "hugepages_2Mi": "hugepages-2Mi",
        "hugepages_1Gi": "hugepages-1Gi",
        "mig_1g_5gb_me": "nvidia.com/mig-1g.5gb+me",
        "mig_3g_20gb": "nvidia.com/mig-3g.20gb",
    }
    return {names.get(key, key): value for key, value in amounts.items()}


def container(
    name: str,
    image: str,
    lim: dict[str, str] | None = None,
    req: dict[str, str] | None = None,
    restart: str | None = None,
) -> k.V1Container:
    resources = k.V1ResourceRequirements(limits=lim, requests=req) if lim or req else None
    return k.V1Container(
        name=name,
        image=image,
        resources=resources,
        restart_policy=restart,
        image_pull_policy="IfNotPresent",
        termination_message_path="/dev/termination-log",
        termination_message_policy="File",
    )


def running(name: str, image: str, since: datetime) -> k.V1ContainerStatus:
    return k.V1ContainerStatus(
        name=name,
        image=image,
        image_id=f"{image.split(':')[0]}@sha256:{'ab' * 32}",
        container_id=f"containerd://{name}-{'0' * 8}",
        ready=True,
        restart_count=0,
        started=True,
        state=k.V1ContainerState(running=k.V1ContainerStateRunning(started_at=since)),
    )


def terminated(
    name: str,
    image: str,
    since: datetime,
    until: datetime,
    code: int = 0,
    reason: str = "Completed",
) -> k.V1ContainerStatus:
    return k.V1ContainerStatus(
        name=name,
        image=image,
        image_id=f"{image.split(':')[0]}@sha256:{'ab' * 32}",
        container_id=f"containerd://{name}-{'0' * 8}",
        ready=False,
        restart_count=0,
        started=False,
        state=k.V1ContainerState(
            terminated=k.V1ContainerStateTerminated(
                exit_code=code,
                reason=reason,
                started_at=since,
                finished_at=until,
                container_id=f"containerd://{name}-{'0' * 8}",
            )
        ),
    )


def conditions(since: datetime, ready: bool = True) -> list[k.V1PodCondition]:
    flag = "True" if ready else "False"
    return [
        k.V1PodCondition(type=t, status=s, last_transition_time=since)
        for t, s in (
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", flag),
            ("ContainersReady", flag),
            ("PodScheduled", "True"),
        )
    ]


def pod(
    name: str,
    namespace: str,
    uid: str,
    spec: k.V1PodSpec,
    status: k.V1PodStatus,
    labels: dict[str, str] | None = None,
    owner: str | None = None,
) -> k.V1Pod:
    owners = (
        [
            k.V1OwnerReference(
                api_version="batch/v1",
                kind="Job",
                name=owner,
                uid=f"{uid[:-4]}0b0b",
                controller=True,
                block_owner_deletion=True,
            )
        ]
        if owner
        else None
    )
    return k.V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=k.V1ObjectMeta(
            name=name,
            namespace=namespace,
            uid=uid,
            labels=labels,
            owner_references=owners,
            resource_version="48213",
            creation_timestamp=status.start_time or at("07:59"),
        ),
        spec=spec,
        status=status,
    )


GPU_TOLERATION = [k.V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")]


def spec(
    node: str | None,
    containers: list[k.V1Container],
    init: list[k.V1Container] | None = None,
    restart: str = "Never",
) -> k.V1PodSpec:
    return k.V1PodSpec(
        node_name=node,
        containers=containers,
        init_containers=init,
        restart_policy=restart,
        scheduler_name="default-scheduler",
        service_account_name="default",
        tolerations=GPU_TOLERATION,
        termination_grace_period_seconds=30,
        dns_policy="ClusterFirst",
        priority=0,
        enable_service_links=True,
        preemption_policy="PreemptLowerPriority",
    )


TRAINER = "nvcr.io/nvidia/pytorch:25.01-py3"


def llm_worker(phase: str) -> k.V1Pod:
    """Run-labelled training pod: an init container, a native sidecar, every quantity form.
    Running at 10:00, Succeeded at 12:00 (finished 11:30)."""
    app = container(
        "trainer",
        TRAINER,
        lim=limits(
            cpu="48",
            memory="512Gi",
            nvidia_com_gpu="4",
            ephemeral_storage="200Gi",
            hugepages_2Mi="1Gi",
        ),
        req=limits(
            cpu="47500m",
            memory="500Gi",
            nvidia_com_gpu="4",
            ephemeral_storage="200Gi",
            hugepages_2Mi="1Gi",
        ),
    )
    init = [
        container(
            "fetch-data",
            "amazon/aws-cli:2.22.0",
            lim=limits(cpu="2", memory="8Gi", ephemeral_storage="100Gi"),
        ),
        container(
            "log-shipper",
            "fluent/fluent-bit:3.2",
            restart="Always",
            lim=limits(cpu="250m", memory="256Mi"),
        ),
    ]
    started = at("08:00")
    fetched = terminated("fetch-data", "amazon/aws-cli:2.22.0", started, at("08:05"))
    if phase == "Running":
        statuses = [running("trainer", TRAINER, at("08:05"))]
        sidecar = running("log-shipper", "fluent/fluent-bit:3.2", at("08:00:02"))
    else:
        statuses = [terminated("trainer", TRAINER, at("08:05"), at("11:29:58"))]
        sidecar = terminated("log-shipper", "fluent/fluent-bit:3.2", at("08:00:02"), at("11:30"))
    status = k.V1PodStatus(
        phase=phase,
        start_time=started,
        host_ip="10.0.1.17",
        pod_ip="10.0.1.140",
        qos_class="Burstable",
        conditions=conditions(at("08:05"), phase == "Running"),
        init_container_statuses=[fetched, sidecar],
        container_statuses=statuses,
    )
    return pod(
        "llm-70b-worker-0",
        "ml",
        "8d1f3c2a-5b6e-4f70-9a81-2c3d4e5f6a01",
        spec("gpu-h100-1", [app], init),
        status,
        labels={
            "training_run": "llm-70b",
            "team": "research",
            "batch.kubernetes.io/job-name": "llm-70b",
            "batch.kubernetes.io/job-completion-index": "0",
        },
        owner="llm-70b",
    )


def eval_harness() -> k.V1Pod:
    """GPUs in an init container, a GPU sidecar and two app containers (3 GPUs in all).
    Running at 10:00, gone at 12:00 (deleted by its Job's TTL)."""
    image = "ghcr.io/example/eval:1.4"
    init = [
        container("warmup", image, lim=limits(nvidia_com_gpu="2", cpu="4", memory="16Gi")),
        container(
            "profiler",
            "nvcr.io/nvidia/cloud-native/dcgm:4.1.1",
            restart="Always",
            lim=limits(nvidia_com_gpu="1", cpu="500m", memory="512M"),
        ),
    ]
    apps = [
        container("eval", image, lim=limits(nvidia_com_gpu="1", cpu="8", memory="64Gi")),
        container(
            "judge",
            image,
            lim=limits(nvidia_com_gpu="1", memory="1536Mi"),
            req=limits(nvidia_com_gpu="1", cpu="2", memory="1536Mi"),
        ),
    ]
    started = at("09:30")
    status = k.V1PodStatus(
        phase="Running",
        start_time=started,
        host_ip="10.0.1.17",
        pod_ip="10.0.1.151",
        qos_class="Burstable",
        conditions=conditions(at("09:31")),
        init_container_statuses=[
            terminated("warmup", image, started, at("09:31")),
            running("profiler", "nvcr.io/nvidia/cloud-native/dcgm:4.1.1", at("09:30:01")),
        ],
        container_statuses=[
            running("eval", image, at("09:31")),
            running("judge", image, at("09:31")),
        ],
    )
    return pod(
        "eval-harness-x7k2p",
        "eval",
        "0a4e7d6c-1f2b-4c3d-8e9f-a0b1c2d3e402",
        spec("gpu-h100-1", apps, init),
        status,
        labels={"team": "eval"},
        owner="eval-harness",
    )


def serve_llama() -> k.V1Pod:
    """No labels; an init container needs more GPUs (2) than the app (1): the pod holds 2.
    Running in both snapshots: still open."""
    image = "vllm/vllm-openai:v0.8.4"
    init = [
        container(
            "proxy",
            "envoyproxy/envoy:v1.32.1",
            restart="Always",
            lim=limits(cpu="100m", memory="64Mi"),
        ),
        container(
            "convert-weights",
            image,
            lim=limits(nvidia_com_gpu="2", memory="32Gi", ephemeral_storage="1e11"),
        ),
    ]
    apps = [container("serve", image, lim=limits(nvidia_com_gpu="1", memory="16Gi", cpu="8"))]
    started = at("09:00")
    status = k.V1PodStatus(
        phase="Running",
        start_time=started,
        host_ip="10.0.1.17",
        pod_ip="10.0.1.162",
        qos_class="Burstable",
        conditions=conditions(at("09:12")),
        init_container_statuses=[
            running("proxy", "envoyproxy/envoy:v1.32.1", at("09:00:01")),
            terminated("convert-weights", image, at("09:00:02"), at("09:11")),
        ],
        container_statuses=[running("serve", image, at("09:11"))],
    )
    return pod(
        "serve-llama-0",
        "inference",
        "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e03",
        spec("gpu-h100-1", apps, init, restart="Always"),
        status,
    )


def notebook(phase: str) -> k.V1Pod:
    """Two MIG slices (1g.5gb+me and 3g.20gb: 4/7 of a GPU). Running at 10:00, Failed at
    12:00 (OOMKilled at 10:45)."""
    image = "quay.io/jupyter/pytorch-notebook:cuda12-2025-01-20"
    apps = [
        container("jupyter", image, lim=limits(mig_1g_5gb_me="1", cpu="1", memory="4G")),
        container(
            "tensorboard",
            "tensorflow/tensorflow:2.18.0",
            lim=limits(mig_3g_20gb="1", cpu="250m", memory="1e9"),
        ),
    ]
    started = at("08:30")
    if phase == "Running":
        statuses = [
            running("jupyter", image, started),
            running("tensorboard", "tensorflow/tensorflow:2.18.0", started),
        ]
    else:
        statuses = [
            terminated("jupyter", image, started, at("10:45"), 137, "OOMKilled"),
            terminated(
                "tensorboard", "tensorflow/tensorflow:2.18.0", started, at("10:44:30"), 1, "Error"
            ),
        ]
    status = k.V1PodStatus(
        phase=phase,
        start_time=started,
        host_ip="10.0.2.5",
        pod_ip="10.0.2.31",
        qos_class="Guaranteed",
        conditions=conditions(started, phase == "Running"),
        container_statuses=statuses,
    )
    return pod(
        "notebook-alice",
        "notebooks",
        "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c04",
        spec("gpu-mig-1", apps),
        status,
        labels={"team": "vision", "user": "alice"},
    )


def embed_batch(evicted: bool) -> k.V1Pod:
    """One GPU. Running at 10:00; at 12:00 evicted (phase Failed, reason Evicted) with only a
    message and its start left, no container states, as kubelet evictions often leave pods."""
    image = "ghcr.io/example/embed:2.0"
    apps = [
        container(
            "embed",
            image,
            lim=limits(nvidia_com_gpu="1", ephemeral_storage="50G", memory="1e9", cpu="2"),
        )
    ]
    started = at("09:15")
    if evicted:
        status = k.V1PodStatus(
            phase="Failed",
            reason="Evicted",
            start_time=started,
            message="The node was low on resource: ephemeral-storage. Threshold quantity: "
            "10Gi, available: 8123456Ki. Container embed was using 52428800Ki, "
            "request is 0, has larger consumption of ephemeral-storage. ",
        )
    else:
        status = k.V1PodStatus(
            phase="Running",
            start_time=started,
            host_ip="10.0.3.9",
            pod_ip="10.0.3.77",
            qos_class="Burstable",
            conditions=conditions(started),
            container_statuses=[running("embed", image, started)],
        )
    return pod(
        "embed-batch-2",
        "data",
        "3b4c5d6e-7f80-4a1b-9c2d-3e4f5a6b7c05",
        spec("gpu-a100-1", apps),
        status,
        labels={"team": "data"},
        owner="embed-batch",
    )


def queued_worker() -> k.V1Pod:
    """Pending, unschedulable: no node, no start; holds no GPU."""
    apps = [container("trainer", TRAINER, lim=limits(nvidia_com_gpu="8", cpu="96", memory="1Ti"))]
    status = k.V1PodStatus(
        phase="Pending",
        qos_class="Burstable",
        conditions=[
            k.V1PodCondition(
                type="PodScheduled",
                status="False",
                reason="Unschedulable",
                last_transition_time=at("09:40"),
                message="0/4 nodes are available: 1 node(s) didn't match Pod's node "
                "affinity/selector, 3 Insufficient nvidia.com/gpu. "
                "preemption: 0/4 nodes are available: 4 No preemption "
                "victims found for incoming pod.",
            )
        ],
    )
    return pod(
        "llm-405b-worker-0",
        "ml",
        "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2906",
        spec(None, apps),
        status,
        labels={"training_run": "llm-405b", "team": "research"},
        owner="llm-405b",
    )


def api_gateway() -> k.V1Pod:
    """A CPU pod (no GPU, no labels): not a run."""
    image = "nginx:1.27"
    apps = [
        container(
            "nginx",
            image,
            lim=limits(cpu="500m", memory="512M", hugepages_2Mi="128Mi"),
            req=limits(cpu="250m", memory="256M", hugepages_2Mi="128Mi"),
        )
    ]
    status = k.V1PodStatus(
        phase="Running",
        start_time=at("06:00"),
        host_ip="10.0.4.2",
        pod_ip="10.0.4.12",
        qos_class="Burstable",
        conditions=conditions(at("06:00")),
        container_statuses=[running("nginx", image, at("06:00"))],
    )
    return pod(
        "api-gateway-6d9f8b7c5-qwert",
        "web",
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        spec("cpu-node-1", apps, restart="Always"),
        status,
    )


def lora_worker() -> k.V1Pod:
    """Two GPUs on a node that stopped answering: phase Unknown at 10:00, gone at 12:00."""
    image = TRAINER
    apps = [
        container(
            "trainer",
            image,
            lim=limits(nvidia_com_gpu="2", cpu="16", memory="128Gi", hugepages_1Gi="2Gi"),
        )
    ]
    status = k.V1PodStatus(
        phase="Unknown",
        reason="NodeLost",
        start_time=at("09:00"),
        message="Node gpu-a100-1 which was running pod lora-sweep-3-worker-0 is unresponsive",
        host_ip="10.0.3.9",
        pod_ip="10.0.3.80",
        qos_class="Burstable",
        container_statuses=[running("trainer", image, at("09:00"))],
    )
    return pod(
        "lora-sweep-3-worker-0",
        "ml",
        "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c08",
        spec("gpu-a100-1", apps),
        status,
        labels={"training_run": "lora-sweep-3", "team": "research"},
        owner="lora-sweep-3",
    )


def pod_list(pods: list[k.V1Pod]) -> dict[str, Any]:
    listed = k.V1PodList(
        api_version="v1", kind="List", items=pods, metadata=k.V1ListMeta(resource_version="")
    )
    return k.ApiClient().sanitize_for_serialization(listed)


def node(name: str, labels: dict[str, str], gpus: str | None) -> k.V1Node:
    capacity = {
        "cpu": "192",
        "memory": "2097152000Ki",
        "pods": "110",
        "ephemeral-storage": "1073741824Ki",
        "hugepages-2Mi": "0",
    }
    if gpus:
        capacity["nvidia.com/gpu"] = gpus
    return k.V1Node(
        api_version="v1",
        kind="Node",
        metadata=k.V1ObjectMeta(
            name=name,
            uid=f"{name.encode().hex()[:8]}-0000-4000-8000-000000000000",
            labels={
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                **labels,
            },
            creation_timestamp=at("00:00"),
        ),
        spec=k.V1NodeSpec(provider_id=f"aws:///us-east-1a/i-0{name.encode().hex()[:16]}"),
        status=k.V1NodeStatus(
            capacity=capacity,
            allocatable=capacity,
            node_info=k.V1NodeSystemInfo(
                architecture="amd64",
                boot_id="b0",
                container_runtime_version="containerd://1.7.27",
                kernel_version="6.1.132",
                kube_proxy_version="",
                kubelet_version="v1.33.1",
                machine_id="m0",
                operating_system="linux",
                os_image="Amazon Linux 2023",
                system_uuid="s0",
            ),
        ),
    )


def node_list() -> dict[str, Any]:
    nodes = [
        node(
            "gpu-h100-1",
            {
                "node.kubernetes.io/instance-type": "p5.48xlarge",
                "eks.amazonaws.com/capacityType": "ON_DEMAND",
            },
            "8",
        ),
        node(
            "gpu-a100-1",
            {
                "node.kubernetes.io/instance-type": "p4d.24xlarge",
                "karpenter.sh/capacity-type": "spot",
            },
            "8",
        ),
        # An older GKE node: only the beta instance-type label; MIG slices, spot.
        node(
            "gpu-mig-1",
            {
                "beta.kubernetes.io/instance-type": "a2-highgpu-1g",
                "cloud.google.com/gke-spot": "true",
                "nvidia.com/mig.strategy": "mixed",
            },
            None,
        ),
        node("cpu-node-1", {"node.kubernetes.io/instance-type": "m7i.2xlarge"}, None),
    ]
    listed = k.V1NodeList(
        api_version="v1", kind="List", items=nodes, metadata=k.V1ListMeta(resource_version="")
    )
    return k.ApiClient().sanitize_for_serialization(listed)


def write(path: Path, body: dict[str, Any]) -> bytes:
    text = (json.dumps(body, indent=4) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return text


def main() -> None:
    first = [
        llm_worker("Running"),
        eval_harness(),
        serve_llama(),
        notebook("Running"),
        embed_batch(False),
        queued_worker(),
        api_gateway(),
        lora_worker(),
    ]
    second = [
        llm_worker("Succeeded"),
        serve_llama(),
        notebook("Failed"),
        embed_batch(True),
        queued_worker(),
        api_gateway(),
    ]
    write(CLUSTER / "pods-2026-11-03T10-00-00Z.json", pod_list(first))
    plain = write(HERE / "plain" / "pods-2026-11-03T12-00-00Z.json", pod_list(second))
    # The second snapshot as a collector ships it, gzip-compressed (mtime 0: reproducible).
    (CLUSTER / "pods-2026-11-03T12-00-00Z.json.gz").write_bytes(gzip.compress(plain, mtime=0))
    write(CLUSTER / "nodes-2026-11-03T10-00-00Z.json", node_list())


if __name__ == "__main__":
    main()
