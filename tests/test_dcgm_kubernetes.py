"""DCGM exporter scrapes and Kubernetes snapshots, on a hand-made cluster."""

import gzip
import json
from datetime import datetime
from pathlib import Path

import yaml

from connectors.telemetry.dcgm.scrape import parse_range_query, parse_scrape, scrape_time
from connectors.telemetry.kubernetes.snapshot import gpus_requested, parse_snapshot

EXPORTER = (
    'gpu="{gpu}",UUID="GPU-{gpu}",device="nvidia{gpu}",modelName="NVIDIA A100-SXM4-40GB",'
    'Hostname="dcgm-exporter-abcde",container="{container}",namespace="ml",pod="{pod}"'
)


def scrape(util: list[str], pods: tuple[str, ...] = ("llm-7b-worker-0",) * 5) -> str:
    lines = [
        "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
        "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
    ]
    for gpu, value in enumerate(util):
        labels = EXPORTER.format(gpu=gpu, container="trainer", pod=pods[gpu])
        lines.append(f"DCGM_FI_DEV_GPU_UTIL{{{labels}}} {value}")
        lines.append(f"DCGM_FI_DEV_POWER_USAGE{{{labels}}} 250.5")
    # gpu-node-2 runs the exporter with NODE_NAME set; GPU 0 is split by MIG, and its 3g.40gb
    # instance reports no GPU_UTIL, only the profiling ratio.
    lines.append(
        'DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-x",Hostname="gpu-node-2",'
        'GPU_I_ID="1",GPU_I_PROFILE="3g.40gb",namespace="ml",pod="notebook-x"} 0.25'
    )
    lines.append(
        'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-x",Hostname="gpu-node-2",GPU_I_ID="1",'
        'GPU_I_PROFILE="3g.40gb"} 9223372036854775792'
    )  # DCGM's int64 blank
    return "\n".join(lines) + "\n"


def pods_json() -> dict:  # type: ignore[type-arg]
    return {
        "kind": "List",
        "items": [
            {
                "kind": "Pod",
                "metadata": {"name": "dcgm-exporter-abcde", "namespace": "gpu-operator"},
                "spec": {"nodeName": "gpu-node-1", "containers": [{"resources": {}}]},
                "status": {"phase": "Running", "startTime": "2026-10-01T00:00:00Z"},
            },
            {
                "kind": "Pod",
                "metadata": {
                    "name": "llm-7b-worker-0",
                    "namespace": "ml",
                    "labels": {"training_run": "llm-7b", "team": "research"},
                },
                "spec": {
                    "nodeName": "gpu-node-1",
                    "containers": [{"resources": {"limits": {"nvidia.com/gpu": "2", "cpu": "32"}}}],
                },
                "status": {
                    "phase": "Succeeded",
                    "startTime": "2026-10-05T10:00:00Z",
                    "containerStatuses": [
                        {
                            "state": {
                                "terminated": {
                                    "startedAt": "2026-10-05T10:00:00Z",
                                    "finishedAt": "2026-10-05T12:01:00+02:00",
                                }
                            }
                        }
                    ],
                },
            },
            {
                "kind": "Pod",
                "metadata": {
                    "name": "vit-worker-0",
                    "namespace": "ml",
                    "labels": {"training_run": "vit-l", "team": "vision"},
                },
                "spec": {
                    "nodeName": "gpu-node-1",
                    "containers": [{"resources": {"limits": {"nvidia.com/gpu": "2"}}}],
                },
                "status": {"phase": "Running", "startTime": "2026-10-05T10:00:00Z"},
            },
            {
                "kind": "Pod",
                "metadata": {"name": "notebook-x", "namespace": "ml", "labels": {"team": "vision"}},
                "spec": {
                    "nodeName": "gpu-node-2",
                    "containers": [{"resources": {"limits": {"nvidia.com/mig-3g.40gb": 1}}}],
                },
                "status": {"phase": "Running", "startTime": "2026-10-05T10:00:00Z"},
            },
        ],
    }


def nodes_json() -> dict:  # type: ignore[type-arg]
    return {
        "kind": "List",
        "items": [
            {
                "kind": "Node",
                "metadata": {
                    "name": "gpu-node-1",
                    "labels": {
                        "node.kubernetes.io/instance-type": "p4d.24xlarge",
                        "karpenter.sh/capacity-type": "spot",
                    },
                },
            },
            {
                "kind": "Node",
                "metadata": {
                    "name": "gpu-node-2",
                    "labels": {
                        "node.kubernetes.io/instance-type": "a2-highgpu-1g",
                        "cloud.google.com/gke-spot": "false",
                    },
                },
            },
        ],
    }


def test_scrapes_drop_blanks_and_use_profiling_ratio_for_mig(tmp_path: Path) -> None:
    path = tmp_path / "dcgm-2026-10-05T10:00:00Z.prom.gz"
    path.write_bytes(gzip.compress(scrape(["100", "50", "0", "2147483632", "101"]).encode()))
    parsed = parse_scrape(path)
    frame = parsed.frame.sort("host", "gpu_index")
    # GPU 3 is DCGM's int32 blank, GPU 4 is out of the 0-100 range, the MIG FB_USED is the
    # int64 blank: three values dropped, counted.
    assert parsed.dropped == 3
    node1 = frame.filter(frame["host"] == "dcgm-exporter-abcde")
    assert node1["util_pct"].to_list() == [100.0, 50.0, 0.0, None, None]
    assert node1["power_w"].to_list() == [250.5] * 5
    assert set(frame["ts"]) == {datetime(2026, 10, 5, 10, 0, 0)}  # from the file name
    mig = frame.filter(frame["host"] == "gpu-node-2").row(0, named=True)
    assert (mig["util_pct"], mig["mig_instance"], mig["mig_profile"], mig["mem_used_mib"]) == (
        25.0,
        "1",
        "3g.40gb",
        None,
    )


def test_scrape_time_from_name_or_mtime(tmp_path: Path) -> None:
    import os

    assert scrape_time(Path("x-1791194400.prom")) == datetime(2026, 10, 5, 10, 0)
    plain = tmp_path / "metrics.prom"
    plain.write_text("")
    os.utime(plain, (1791194430, 1791194430))
    assert scrape_time(plain) == datetime(2026, 10, 5, 10, 0, 30)
    assert scrape_time(tmp_path / "metrics.prom", "mtime") == datetime(2026, 10, 5, 10, 0, 30)


def test_range_query_json(tmp_path: Path) -> None:
    path = tmp_path / "range.json"
    path.write_text(
        json.dumps(
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [
                        {
                            "metric": {
                                "__name__": "DCGM_FI_DEV_GPU_UTIL",
                                "gpu": "1",
                                "hostname": "n9",
                            },
                            "values": [[1791194400, "30"], [1791194430, "70"]],
                        }
                    ],
                },
            }
        )
    )
    frame = parse_range_query(path).frame
    assert frame.select("host", "gpu_index", "ts", "util_pct").rows() == [
        ("n9", 1, datetime(2026, 10, 5, 10, 0), 30.0),
        ("n9", 1, datetime(2026, 10, 5, 10, 0, 30), 70.0),
    ]


def test_pods_and_nodes(tmp_path: Path) -> None:
    assert gpus_requested([{"resources": {"limits": {"nvidia.com/mig-1g.10gb": "2"}}}]) == 2 / 7
    (tmp_path / "pods.json").write_text(json.dumps(pods_json()))
    pods, nodes = parse_snapshot(tmp_path / "pods.json")
    worker = next(p for p in pods if p.name == "llm-7b-worker-0")
    assert (worker.gpus, worker.node, worker.ended_at) == (
        2,
        "gpu-node-1",
        datetime(2026, 10, 5, 10, 1),
    )
    notebook = next(p for p in pods if p.name == "notebook-x")
    assert (notebook.gpus, notebook.ended_at) == (3 / 7, None)  # still running
    (tmp_path / "nodes.json").write_text(json.dumps(nodes_json()))
    _, nodes = parse_snapshot(tmp_path / "nodes.json")
    assert [(n.name, n.instance_type, n.spot) for n in nodes] == [
        ("gpu-node-1", "p4d.24xlarge", True),
        ("gpu-node-2", "a2-highgpu-1g", False),
    ]


def test_cluster_end_to_end(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dcgm = tmp_path / "dcgm"
    dcgm.mkdir()
    pods = ("llm-7b-worker-0", "llm-7b-worker-0", "vit-worker-0", "vit-worker-0")
    (dcgm / "dcgm-2026-10-05T10:00:00Z.prom").write_text(scrape(["100", "50", "0", "0"], pods))
    (dcgm / "dcgm-2026-10-05T10:00:30Z.prom").write_text(scrape(["100", "50", "0", "0"], pods))
    k8s = tmp_path / "k8s"
    k8s.mkdir()
    (k8s / "pods-2026-10-05T10:00:30Z.json").write_text(json.dumps(pods_json()))
    (k8s / "nodes-2026-10-05T10:00:30Z.json").write_text(json.dumps(nodes_json()))
    (tmp_path / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [
                    {"name": "dcgm", "kind": "dcgm", "path": "dcgm"},
                    {"name": "k8s", "kind": "kubernetes", "path": "k8s"},
                ],
            }
        )
    )
    result = cli("run")
    assert result.exit_code == 0, result.output
    runs = cli(
        "sql",
        "--format",
        "csv",
        "select run_id, team, host, round(gpu_count, 4) as gpus, "
        "ended_at from marts.runs order by run_id",
    )
    assert runs.output.splitlines() == [
        "run_id,team,host,gpus,ended_at",
        "k8s:ml/llm-7b,research,gpu-node-1,2.0,2026-10-05 10:01:00",
        "k8s:ml/notebook-x,vision,gpu-node-2,0.4286,",
        "k8s:ml/vit-l,vision,gpu-node-1,2.0,",
    ]
    # The exporter pod's samples land on its node, through the pods snapshot.
    usage = cli(
        "sql",
        "--format",
        "csv",
        "select host, gpu_unit, util_pct_mean, samples "
        "from marts.gpu_usage order by host, gpu_unit",
    )
    assert usage.output.splitlines() == [
        "host,gpu_unit,util_pct_mean,samples",
        "gpu-node-1,0,100.0,2",
        "gpu-node-1,1,50.0,2",
        "gpu-node-1,2,0.0,2",
        "gpu-node-1,3,0.0,2",
        "gpu-node-2,0/1,25.0,2",
    ]
    # DCGM labels GPUs 0-1 with llm-7b's pod and 2-3 with vit-l's: each run holds exactly its
    # GPUs, not half the node. llm-7b ran 10:00:00-10:01:00, and the samples every 30 s cover
    # it: 2 GPUs x 60 s = 120 GPU-s at (100 + 50) / 2 = 75 %, none idle. vit-l is still
    # running; its GPUs' samples reach 10:01:00: 120 GPU-s, all idle (0 %).
    attributed = cli(
        "sql",
        "--format",
        "csv",
        "select run_id, gpu_seconds, util_pct_mean, "
        "idle_gpu_seconds from marts.run_gpu_usage where host = 'gpu-node-1' "
        "order by run_id",
    )
    assert attributed.output.splitlines()[1:] == [
        "k8s:ml/llm-7b,120.0,75.0,0.0",
        "k8s:ml/vit-l,120.0,0.0,120.0",
    ]
    nodes = cli(
        "sql",
        "--format",
        "csv",
        "select node, instance_type, spot from raw.k8s_nodes order by node",
    )
    assert nodes.output.splitlines()[1:] == [
        "gpu-node-1,p4d.24xlarge,true",
        "gpu-node-2,a2-highgpu-1g,false",
    ]


def test_slurm_job_holds_the_gpus_dcgm_labels_with_its_job_id(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dcgm = tmp_path / "dcgm"
    dcgm.mkdir()
    for stamp in ("10:00:00", "10:00:30"):
        (dcgm / f"n4-2026-10-05T{stamp}Z.prom").write_text(
            'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="n4"} 0\n'
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",Hostname="n4",hpc_job="5"} 100\n'
        )
    (tmp_path / "sacct.txt").write_text(
        "JobID|Cluster|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n"
        "5|c1|ann|ml|2026-10-05T10:00:00|2026-10-05T10:01:00|00:01:00|COMPLETED|"
        "gres/gpu=1|n4|train\n"
    )
    (tmp_path / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [
                    {"name": "dcgm", "kind": "dcgm", "path": "dcgm"},
                    {"name": "slurm", "kind": "slurm", "path": "sacct.txt"},
                ],
            }
        )
    )
    assert cli("run").exit_code == 0
    # Job 5 holds GPU 1 (labelled hpc_job=5), not half of n4's two GPUs: 60 GPU-s at 100 %.
    usage = cli(
        "sql",
        "--format",
        "csv",
        "select run_id, gpu_seconds, util_pct_mean, idle_gpu_seconds from marts.run_gpu_usage",
    )
    assert usage.output.splitlines()[1:] == ["slurm:c1:5,60.0,100.0,0.0"]
