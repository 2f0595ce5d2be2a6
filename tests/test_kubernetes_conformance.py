"""Kubernetes snapshots as real clusters write them (tests/data/conformance/kubernetes/).

The corpus is written by the official client's models (see its SOURCES.md): every pod carries
CPU and memory limits, pods are seen in two snapshots, one evicted, one pending, one on MIG.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from aispend.warehouse import reader
from connectors.telemetry.kubernetes import snapshot as k8s
from connectors.telemetry.kubernetes.quantity import parse_quantity
from connectors.telemetry.kubernetes.resources import effective_requests
from connectors.telemetry.kubernetes.snapshot import gpus_requested, read_snapshot
from connectors.telemetry.reader import read_telemetry

CORPUS = Path(__file__).parent / "data" / "conformance" / "kubernetes"
CLUSTER = CORPUS / "cluster"
FIRST = CLUSTER / "pods-2026-11-03T10-00-00Z.json"
SECOND_GZ = CLUSTER / "pods-2026-11-03T12-00-00Z.json.gz"
SECOND_PLAIN = CORPUS / "plain" / "pods-2026-11-03T12-00-00Z.json"
GI, MI = 2**30, 2**20


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("47500m", Decimal("47.5")),
        ("2", Decimal(2)),
        ("16Gi", Decimal(16 * GI)),  # 16 x 1073741824 = 17179869184
        ("1536Mi", Decimal(1536 * MI)),  # = 1.5Gi = 1610612736
        ("1.5Gi", Decimal(1610612736)),
        ("100Ki", Decimal(102400)),
        ("1Ti", Decimal(1099511627776)),
        ("1Pi", Decimal(1125899906842624)),
        ("1Ei", Decimal(1152921504606846976)),  # 2**60
        ("512M", Decimal(512_000_000)),
        ("50G", Decimal(50_000_000_000)),
        ("2k", Decimal(2000)),
        ("3T", Decimal(3 * 10**12)),
        ("1P", Decimal(10**15)),
        ("1E", Decimal(10**18)),  # E alone is exa, not an exponent
        ("1e9", Decimal(10**9)),
        ("1E3", Decimal(1000)),
        ("1e11", Decimal(10**11)),
        ("1.5e3", Decimal(1500)),
        ("12e-3", Decimal("0.012")),
        ("0.3m", Decimal("0.0003")),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("+3", Decimal(3)),
        ("-1", Decimal(-1)),
        ("0.1", Decimal("0.1")),  # exact: float would give 0.1000000000000000055...
        (4, Decimal(4)),  # a JSON integer in a hand-written manifest
    ],
)
def test_quantity_forms_parse_exactly(text: str | int, value: Decimal) -> None:
    assert parse_quantity(text) == value
    # ... and a real container carrying it as a memory, storage or hugepages limit reads.
    limits = {
        "memory": text,
        "ephemeral-storage": text,
        "hugepages-2Mi": text,
        "cpu": text,
        "nvidia.com/gpu": "1",
    }
    assert gpus_requested([{"resources": {"limits": limits}}]) == 1


@pytest.mark.parametrize(
    "text",
    [
        "16 Gi",
        "1.2.3",
        "Gi",
        "",
        "1e",
        "1Ki5",
        "0x10",
        "1e3.5",
        "NaN",
        "inf",
        "\u0661",
        "2\n",
        "1KI",
        "1 ",
        1.5,
        True,
        None,
        [1],
        {"a": 1},
    ],
)
def test_non_quantities_are_refused(text: Any) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity(text)


def gpu(
    name: str, amount: str, *, restart: str | None = None, part: str = "limits", **more: str
) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "resources": {part: {"nvidia.com/gpu": amount, **more}}}
    if restart:
        found["restartPolicy"] = restart
    return found


def test_effective_gpu_request_init_containers_sidecars_and_mig() -> None:
    # A sidecar (1 GPU) started before an ordinary init container (4): that init container
    # needs 4 + 1 = 5; the app phase needs 2 + the sidecar's 1 = 3; the pod holds max(5, 3) = 5.
    assert (
        gpus_requested([gpu("app", "2")], [gpu("sidecar", "1", restart="Always"), gpu("init", "4")])
        == 5
    )
    # The same sidecar started after it: init peak max(4 + 0, 1) = 4, app 2 + 1 = 3 -> 4.
    assert (
        gpus_requested([gpu("app", "2")], [gpu("init", "4"), gpu("sidecar", "1", restart="Always")])
        == 4
    )
    # Two sidecars add up in both phases: init max(1, 1 + 1) = 2, app 1 + 1 + 1 = 3 -> 3.
    assert (
        gpus_requested(
            [gpu("app", "1")], [gpu("s1", "1", restart="Always"), gpu("s2", "1", restart="Always")]
        )
        == 3
    )
    # Requests alone count, as limits do; where both are given, requests.
    assert gpus_requested([gpu("a", "2", part="requests"), gpu("b", "1")]) == 3
    # MIG, per resource: mig-3g.40gb 1 (app) + mig-1g.5gb+me 2 (app, requests only) and
    # mig-1g.10gb 1 in an init container, a resource no app container uses, so the pod holds it
    # too: (3 x 1 + 1 x 2 + 1 x 1) / 7 = 6/7 of a GPU.
    mig = [
        {"resources": {"limits": {"nvidia.com/mig-3g.40gb": "1", "memory": "16Gi"}}},
        {"resources": {"requests": {"nvidia.com/mig-1g.5gb+me": "2", "cpu": "500m"}}},
    ]
    init = [{"resources": {"limits": {"nvidia.com/mig-1g.10gb": "1"}}}]
    assert gpus_requested(mig, init) == 6 / 7
    # A non-GPU resource by the same rule: serve-llama's memory is max(proxy 64Mi +
    # convert-weights 32Gi, proxy 64Mi + serve 16Gi) = 32 x 1073741824 + 64 x 1048576
    # = 34359738368 + 67108864 = 34426847232 bytes.
    pod = next(
        p
        for p in json.loads(FIRST.read_text())["items"]
        if p["metadata"]["name"] == "serve-llama-0"
    )
    needs = effective_requests(pod["spec"]["containers"], pod["spec"]["initContainers"])
    assert needs["memory"] == 34426847232
    assert needs["nvidia.com/gpu"] == 2  # convert-weights' 2 > serve's 1
    assert needs["cpu"] == Decimal("8.1")  # serve 8 + proxy 100m; convert-weights asks none


def test_corpus_pods_hold_their_gpus() -> None:
    snapshot = read_snapshot(FIRST)
    assert snapshot.problems == []
    gpus = {p.name: p.gpus for p in snapshot.pods}
    assert gpus == {
        "llm-70b-worker-0": 4.0,  # trainer 4; fetch-data and log-shipper none
        "eval-harness-x7k2p": 3.0,  # max(warmup 2, profiler 1 + eval 1 + judge 1)
        "serve-llama-0": 2.0,  # max(convert-weights 2, serve 1)
        "notebook-alice": 4 / 7,  # mig-1g.5gb+me 1/7 + mig-3g.20gb 3/7
        "embed-batch-2": 1.0,
        "llm-405b-worker-0": 8.0,  # asked; it has no node, so it holds none
        "api-gateway-6d9f8b7c5-qwert": 0.0,
        "lora-sweep-3-worker-0": 2.0,
    }
    nodes = read_snapshot(CLUSTER / "nodes-2026-11-03T10-00-00Z.json").nodes
    assert [(n.name, n.instance_type, n.spot) for n in nodes] == [
        ("gpu-h100-1", "p5.48xlarge", False),
        ("gpu-a100-1", "p4d.24xlarge", True),
        ("gpu-mig-1", "a2-highgpu-1g", True),
        ("cpu-node-1", "m7i.2xlarge", False),
    ]


def test_compressed_snapshots_read_like_plain(tmp_path: Path) -> None:
    import zstandard

    plain = read_snapshot(SECOND_PLAIN)
    assert gzip.decompress(SECOND_GZ.read_bytes()) == SECOND_PLAIN.read_bytes()
    unsuffixed = tmp_path / "pods-2026-11-03T12-00-00Z.json"  # gzip, no .gz in the name
    unsuffixed.write_bytes(SECOND_GZ.read_bytes())
    zstd = tmp_path / "pods.json.zst"
    zstd.write_bytes(zstandard.ZstdCompressor().compress(SECOND_PLAIN.read_bytes()))
    for path in (SECOND_GZ, unsuffixed, zstd):
        assert read_snapshot(path) == plain
    evicted = next(p for p in plain.pods if p.name == "embed-batch-2")
    assert (evicted.phase, evicted.reason, evicted.ended_at) == ("Failed", "Evicted", None)


def test_unreadable_items_are_named_and_the_rest_reads(tmp_path: Path) -> None:
    body = json.loads(FIRST.read_text())
    broken = json.loads(json.dumps(body["items"][0]))
    broken["metadata"].update(name="broken-quantity", uid="b")
    broken["spec"]["containers"][0]["resources"]["limits"]["memory"] = "16 gigs"
    body["items"] += [
        broken,
        "not a pod",
        {"kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": "none"}},
    ]
    path = tmp_path / "pods.json"
    path.write_text(json.dumps(body))
    snapshot = read_snapshot(path)
    assert len(snapshot.pods) == 8  # the corpus's 8 read
    assert [(p.row, p.message) for p in snapshot.problems] == [
        (
            9,
            "Pod ml/broken-quantity skipped: limits['memory']: quantity '16 gigs' is not a "
            "Kubernetes quantity",
        ),
        (10, "item (str, no metadata) skipped: neither a Pod nor a Node"),
        (11, "Pod default/x skipped: spec.containers is not a list of containers"),
    ]


def test_too_deep_or_too_big_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "deep.json").write_text('{"items": [' + "[" * 70 + "]" * 70 + "]}")
    (folder / "deeper.json").write_text("[" * 10_000 + "]" * 10_000)
    shutil.copy(FIRST, folder / "big.json")
    limit = FIRST.stat().st_size - 1  # deep.json and deeper.json are smaller
    monkeypatch.setattr(k8s, "MAX_BYTES", limit)
    batch = read_telemetry("kubernetes", str(folder))
    assert sorted((Path(p.file).name, p.message) for p in batch.unreadable) == [
        (
            "big.json",
            f"could not be read (ValueError: snapshot is larger than "
            f"{limit / 2**20:g} MiB (decompressed))",
        ),
        ("deep.json", "could not be read (ValueError: JSON nested deeper than 64 levels)"),
        ("deeper.json", "could not be read (ValueError: JSON nested deeper than 64 levels)"),
    ]


def test_one_pod_in_many_snapshots_is_one_run(tmp_path: Path) -> None:
    """A pod without a uid is namespace/name; a recreated pod (same name, new uid) is another."""

    def snapshot(name: str, *pods: dict[str, Any]) -> None:
        (tmp_path / name).write_text(json.dumps({"kind": "List", "items": list(pods)}))

    def pod(uid: str | None, phase: str) -> dict[str, Any]:
        meta = {"name": "w", "namespace": "ml", **({"uid": uid} if uid else {})}
        return {
            "kind": "Pod",
            "metadata": meta,
            "spec": {
                "nodeName": "n1",
                "containers": [{"resources": {"limits": {"nvidia.com/gpu": "1"}}}],
            },
            "status": {"phase": phase, "startTime": "2026-11-03T09:00:00Z"},
        }

    snapshot("pods-2026-11-03T10-00-00Z.json", pod(None, "Running"), pod("u1", "Running"))
    snapshot("pods-2026-11-03T11-00-00Z.json", pod(None, "Running"), pod("u2", "Running"))
    jobs = read_telemetry("kubernetes", str(tmp_path)).jobs.sort("ended_at", nulls_last=True)
    # no uid: one pod, seen at 10:00 and 11:00, still there in the newest: open;
    # u1: seen at 10:00 only, gone at 11:00: ends 10:00; u2: in the newest, open.
    assert jobs.select("gpu_count", "ended_at").rows() == [
        (1.0, datetime(2026, 11, 3, 10)),
        (1.0, None),
        (1.0, None),
    ]


def test_every_phase_and_the_fields_the_api_omits(tmp_path: Path) -> None:
    def pod(
        name: str, status: dict[str, Any], node: str | None = "n1", gpus: str | None = "1"
    ) -> dict[str, Any]:
        container: dict[str, Any] = {"name": "c", "image": "busybox"}
        if gpus:
            container["resources"] = {"limits": {"nvidia.com/gpu": gpus}}
        spec: dict[str, Any] = {"containers": [container], **({"nodeName": node} if node else {})}
        return {
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "ml", "uid": name},
            "spec": spec,
            **({"status": status} if status else {}),
        }

    start = {"startTime": "2026-11-03T09:00:00Z"}
    ready = [
        {"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-03T09:40:00Z"},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-03T08:59:59Z"},
    ]
    (tmp_path / "pods-2026-11-03T10-00-00Z.json").write_text(
        json.dumps(
            {
                "items": [
                    pod("queued", {"phase": "Pending"}, node=None),  # no node, no start
                    pod("pulling", {"phase": "Pending", **start}),  # on its node, starting
                    pod("lost", {"phase": "Unknown", **start}),  # node lost, still there
                    pod(
                        "done", {"phase": "Succeeded", "conditions": ready, **start}
                    ),  # no container states
                    pod(
                        "evicted", {"phase": "Failed", "reason": "Evicted", **start}
                    ),  # first seen ended
                    pod("bare", {}, gpus=None),  # no status, no resources
                    pod("cpu", {"phase": "Running", **start}, gpus=None),
                ]
            }
        )
    )
    batch = read_telemetry("kubernetes", str(tmp_path))
    assert batch.unreadable == [] and batch.skipped == []
    assert batch.pods.height == 7  # every pod is a snapshot record
    jobs = {r["pod"]: (r["gpu_count"], r["ended_at"]) for r in batch.jobs.iter_rows(named=True)}
    assert jobs == {
        "pulling": (1.0, None),  # holds its GPU from its start; in the newest snapshot: open
        "lost": (1.0, None),
        # Succeeded with no container state: ends at its conditions' latest change, 09:40.
        "done": (1.0, datetime(2026, 11, 3, 9, 40)),
        # Failed with no time at all and never seen running: nothing of its run was seen.
        "evicted": (1.0, datetime(2026, 11, 3, 9, 0)),
    }


def test_cluster_end_to_end(cli, tmp_path: Path) -> None:
    k8s_dir = tmp_path / "k8s"
    shutil.copytree(CLUSTER, k8s_dir)
    # One pod that cannot be read (a memory limit that is not a quantity), added by hand to the
    # 10:00 snapshot: it is named and skipped, and the rest loads.
    first = k8s_dir / FIRST.name
    body = json.loads(first.read_text())
    broken = json.loads(json.dumps(body["items"][0]))
    broken["metadata"].update(name="broken-quantity", uid="0000-broken")
    broken["spec"]["containers"][0]["resources"]["limits"]["memory"] = "lots"
    body["items"].append(broken)
    first.write_text(json.dumps(body, indent=4))
    (tmp_path / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [{"name": "k8s", "kind": "kubernetes", "path": "k8s"}],
            }
        )
    )
    result = cli("run")
    # every readable pod loads; the pod with a bad quantity fails the run, named (exit 1)
    assert result.exit_code == 1, result.output
    assert "k8s: FAILED lines: " in result.output
    assert "Pod ml/broken-quantity skipped" in result.output

    with reader(tmp_path / "wh.duckdb") as con:
        runs = con.execute(
            "select run_id, host, gpu_count, started_at, ended_at, "
            "gpu_count * date_diff('second', started_at, ended_at) / 3600.0 as gpu_hours, team "
            "from marts.runs order by run_id"
        ).fetchall()
        pods = con.execute(
            "select count(*), count(distinct snapshot_at) from raw.k8s_pods"
        ).fetchone()
        jobs = con.execute("select count(*) from raw.scheduler_jobs").fetchone()
        problems = con.execute("select file, row_number, message from meta.load_errors").fetchall()
        nodes = con.execute(
            "select node, instance_type, spot from raw.k8s_nodes order by node"
        ).fetchall()

    at = lambda clock: datetime.fromisoformat(f"2026-11-03T{clock}")  # noqa: E731
    assert [r[:5] for r in runs] == [
        # Evicted at 12:00 with no time of its own: ends at 10:00, the last snapshot that saw it
        # running. 1 GPU x 0.75 h.
        ("k8s:data/embed-batch-2", "gpu-a100-1", 1.0, at("09:15"), at("10:00")),
        # Gone at 12:00 without an end: ends at 10:00, its last snapshot. max(2, 1 + 1 + 1) = 3.
        ("k8s:eval/eval-harness-x7k2p", "gpu-h100-1", 3.0, at("09:30"), at("10:00")),
        # In both snapshots, Running: still open.
        ("k8s:inference/serve-llama-0", "gpu-h100-1", 2.0, at("09:00"), None),
        # In both snapshots, its 4 GPUs once; Succeeded, ends at its last container's
        # finishedAt, the sidecar's 11:30:00 (the trainer's is 11:29:58).
        ("k8s:ml/llm-70b", "gpu-h100-1", 4.0, at("08:00"), at("11:30")),
        # Unknown at 10:00 (node lost), gone at 12:00: ends 10:00.
        ("k8s:ml/lora-sweep-3", "gpu-a100-1", 2.0, at("09:00"), at("10:00")),
        # MIG 1g + 3g = 4/7; Failed, OOMKilled at 10:45.
        (
            "k8s:notebooks/notebook-alice",
            "gpu-mig-1",
            pytest.approx(4 / 7),
            at("08:30"),
            at("10:45"),
        ),
    ]
    # The pending pod (no node) and the CPU pod are no runs; the broken one is not there.
    hours = {r[0]: r[5] for r in runs}
    assert hours == {
        "k8s:data/embed-batch-2": pytest.approx(0.75),  # 1 x (10:00 - 09:15)
        "k8s:eval/eval-harness-x7k2p": pytest.approx(1.5),  # 3 x (10:00 - 09:30)
        "k8s:inference/serve-llama-0": None,  # running
        "k8s:ml/llm-70b": pytest.approx(14.0),  # 4 x (11:30 - 08:00) = 4 x 3.5
        "k8s:ml/lora-sweep-3": pytest.approx(2.0),  # 2 x (10:00 - 09:00)
        "k8s:notebooks/notebook-alice": pytest.approx(9 / 7),
    }  # 4/7 x 2.25 = 9/7
    assert {r[0]: r[6] for r in runs}["k8s:ml/llm-70b"] == "research"
    # Every sighting stays a snapshot record (8 pods at 10:00 + 6 at 12:00); runs once per pod.
    assert pods == (14, 2)
    assert jobs == (6,)
    assert {(Path(f).name, row, msg) for f, row, msg in problems} == {
        (
            FIRST.name,
            9,
            "Pod ml/broken-quantity skipped: limits['memory']: quantity 'lots' is "
            "not a Kubernetes quantity",
        )
    }
    assert nodes == [
        ("cpu-node-1", "m7i.2xlarge", False),
        ("gpu-a100-1", "p4d.24xlarge", True),
        ("gpu-h100-1", "p5.48xlarge", False),
        ("gpu-mig-1", "a2-highgpu-1g", True),
    ]
