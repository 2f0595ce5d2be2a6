"""Write the dcgm-exporter corpus: Prometheus text scrapes and a range-query response.

Run from the repository root: ``.venv/bin/python tests/data/conformance/dcgm/generate.py``.
The text is rendered by prometheus-client's own ``generate_latest`` (the exposition format
0.0.4 that dcgm-exporter serves on :9400/metrics), from metric families named and typed as in
dcgm-exporter's ``etc/default-counters.csv`` and ``etc/dcp-metrics-included.csv`` (copied to
/work/shared/samples/nvidia/, Apache-2.0, NVIDIA), with the labels the exporter sets: gpu, UUID,
pci_bus_id, device, modelName, Hostname, DCGM_FI_DRIVER_VERSION; GPU_I_PROFILE and GPU_I_ID for
MIG instances; pod, namespace and container when its Kubernetes mapping is on. Like the exporter,
counters keep their DCGM names (no ``_total``) and samples carry no timestamps: the scrape time is
in the file name. gzip is written with mtime 0 so the bytes are reproducible.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import zstandard
from prometheus_client.core import CollectorRegistry, Metric
from prometheus_client.exposition import generate_latest

HERE = Path(__file__).resolve().parent
DRIVER = "580.159.04"
MODEL = "NVIDIA H100 80GB HBM3"
#: name -> (type, help), as in default-counters.csv / dcp-metrics-included.csv.
FAMILIES = {
    "DCGM_FI_DEV_SM_CLOCK": ("gauge", "SM clock frequency (in MHz)."),
    "DCGM_FI_DEV_MEM_CLOCK": ("gauge", "Memory clock frequency (in MHz)."),
    "DCGM_FI_DEV_GPU_TEMP": ("gauge", "GPU temperature (in C)."),
    "DCGM_FI_DEV_POWER_USAGE": ("gauge", "Power draw (in W)."),
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": (
        "counter",
        "Total energy consumption since boot (in mJ).",
    ),
    "DCGM_FI_DEV_GPU_UTIL": ("gauge", "GPU utilization (in %)."),
    "DCGM_FI_DEV_MEM_COPY_UTIL": ("gauge", "Memory utilization (in %)."),
    "DCGM_FI_DEV_FB_FREE": ("gauge", "Framebuffer memory free (in MiB)."),
    "DCGM_FI_DEV_FB_USED": ("gauge", "Framebuffer memory used (in MiB)."),
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": ("gauge", "Ratio of time the graphics engine is active."),
}


def gpu_labels(gpu: int, uuid: str, bus: str, host: str) -> dict[str, str]:
    return {
        "gpu": str(gpu),
        "UUID": uuid,
        "pci_bus_id": bus,
        "device": f"nvidia{gpu}",
        "modelName": MODEL,
        "Hostname": host,
        "DCGM_FI_DRIVER_VERSION": DRIVER,
    }


class Scrape:
    """One exporter's /metrics at one instant: (labels, {metric: value}) per entity."""

    def __init__(self, entities: list[tuple[dict[str, str], dict[str, float]]]):
        self.entities = entities

    def collect(self) -> Iterator[Metric]:
        for name, (kind, text) in FAMILIES.items():
            family = Metric(name, text, kind)
            for labels, values in self.entities:
                if name in values:
                    family.add_sample(name, labels, values[name])
            if family.samples:
                yield family


def kubernetes_scrape() -> Scrape:
    """gpu-node-1 on Kubernetes: Hostname is the exporter pod; GPU 0 is held by a pod, 1 idle."""
    host = "dcgm-exporter-7xk2p"
    busy = {
        **gpu_labels(0, "GPU-72d856e7-cb93-1d78-96ab-7fe2f2a30b90", "00000000:00:06.0", host),
        "container": "trainer",
        "namespace": "ml",
        "pod": "llm-7b-worker-0",
    }
    idle = gpu_labels(1, "GPU-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "00000000:00:07.0", host)
    return Scrape(
        [
            (
                busy,
                {
                    "DCGM_FI_DEV_SM_CLOCK": 1980,
                    "DCGM_FI_DEV_MEM_CLOCK": 2619,
                    "DCGM_FI_DEV_GPU_TEMP": 68,
                    "DCGM_FI_DEV_POWER_USAGE": 689.59,
                    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": 912345678,
                    "DCGM_FI_DEV_GPU_UTIL": 100,
                    "DCGM_FI_DEV_MEM_COPY_UTIL": 9,
                    "DCGM_FI_DEV_FB_FREE": 79685,
                    "DCGM_FI_DEV_FB_USED": 1395,
                    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": 0.973412,
                },
            ),
            (
                idle,
                {
                    "DCGM_FI_DEV_SM_CLOCK": 345,
                    "DCGM_FI_DEV_MEM_CLOCK": 2619,
                    "DCGM_FI_DEV_GPU_TEMP": 40,
                    "DCGM_FI_DEV_POWER_USAGE": 72.73,
                    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": 123456789,
                    "DCGM_FI_DEV_GPU_UTIL": 0,
                    "DCGM_FI_DEV_MEM_COPY_UTIL": 0,
                    "DCGM_FI_DEV_FB_FREE": 81079,
                    "DCGM_FI_DEV_FB_USED": 0,
                    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": 0,
                },
            ),
        ]
    )


def mig_scrape() -> Scrape:
    """gpu-node-2, bare metal, GPU 0 split by MIG: the device reports power and clocks, each
    instance its framebuffer and graphics-engine activity (no GPU_UTIL under MIG)."""
    device = gpu_labels(
        0, "GPU-5a6b7c8d-9e0f-1a2b-3c4d-5e6f7a8b9c0d", "00000000:00:08.0", "gpu-node-2"
    )
    big = {**device, "GPU_I_PROFILE": "3g.40gb", "GPU_I_ID": "1"}
    small = {**device, "GPU_I_PROFILE": "1g.10gb", "GPU_I_ID": "13"}
    return Scrape(
        [
            (
                device,
                {
                    "DCGM_FI_DEV_SM_CLOCK": 1755,
                    "DCGM_FI_DEV_POWER_USAGE": 301.5,
                    "DCGM_FI_DEV_GPU_TEMP": 55,
                },
            ),
            (
                big,
                {
                    "DCGM_FI_DEV_FB_USED": 20480,
                    "DCGM_FI_DEV_FB_FREE": 19968,
                    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": 0.25,
                },
            ),
            (
                small,
                {
                    "DCGM_FI_DEV_FB_USED": 0,
                    "DCGM_FI_DEV_FB_FREE": 9856,
                    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": 0,
                },
            ),
        ]
    )


def exposition(scrape: Scrape) -> bytes:
    registry = CollectorRegistry()
    registry.register(scrape)
    return generate_latest(registry)


def range_query() -> bytes:
    """GET /api/v1/query_range?query=DCGM_FI_DEV_GPU_UTIL&start=...&step=30s, as Prometheus
    answers it: values are [unix seconds, "string"], instance and job added by the scrape."""
    start = int(datetime(2026, 11, 23, 3, 41, 10, tzinfo=UTC).timestamp())
    series = []
    for gpu, uuid, values in (
        (0, "GPU-72d856e7-cb93-1d78-96ab-7fe2f2a30b90", ["0", "56", "100"]),
        (1, "GPU-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", ["0", "0", "0"]),
    ):
        metric = {
            "__name__": "DCGM_FI_DEV_GPU_UTIL",
            "DCGM_FI_DRIVER_VERSION": DRIVER,
            "Hostname": "gpu-node-3",
            "UUID": uuid,
            "device": f"nvidia{gpu}",
            "gpu": str(gpu),
            "instance": "10.0.3.17:9400",
            "job": "dcgm-exporter",
            "modelName": MODEL,
            "pci_bus_id": f"00000000:00:0{6 + gpu}.0",
        }
        series.append(
            {"metric": metric, "values": [[start + 30 * i, v] for i, v in enumerate(values)]}
        )
    body = {"status": "success", "data": {"resultType": "matrix", "result": series}}
    return json.dumps(body, separators=(",", ":")).encode()


def main() -> None:
    k8s, mig = exposition(kubernetes_scrape()), exposition(mig_scrape())
    (HERE / "dcgm-exporter_2026-11-23T034110Z.prom").write_bytes(k8s)
    (HERE / "dcgm-exporter_2026-11-23T034110Z.prom.gz").write_bytes(gzip.compress(k8s, mtime=0))
    (HERE / "dcgm-exporter_2026-11-23T034110Z.prom.zst").write_bytes(
        zstandard.ZstdCompressor(level=19).compress(k8s)
    )
    # gzip under the plain name, as a shipper that compresses in place leaves it
    (HERE / "gzip-without-suffix").mkdir(exist_ok=True)
    (HERE / "gzip-without-suffix" / "dcgm-exporter_2026-11-23T034110Z.prom").write_bytes(
        gzip.compress(k8s, mtime=0)
    )
    (HERE / "mig_2026-11-23T034140Z.prom").write_bytes(mig)
    rng = range_query()
    (HERE / "range-query_gpu-util.json").write_bytes(rng)
    (HERE / "range-query_gpu-util.json.gz").write_bytes(gzip.compress(rng, mtime=0))
    (HERE / "range-query_gpu-util.json.zst").write_bytes(
        zstandard.ZstdCompressor(level=19).compress(rng)
    )
    whole = gzip.compress(k8s, mtime=0)
    (HERE / "truncated").mkdir(exist_ok=True)
    (HERE / "truncated" / "dcgm-exporter_2026-11-23T034110Z.prom.gz").write_bytes(
        whole[: len(whole) // 2]
    )


if __name__ == "__main__":
    main()
