"""GPUs (and other accelerators) per instance for the cloud instance types that carry them.

Bills price instances, not GPUs; to get a GPU-hour we need how many GPUs an instance has and which.
Figures are from the providers' public instance-type pages. Trainium and Inferentia are
accelerators but not GPUs: they count 0 GPUs, so they never inflate GPU-hours, and their chips are
reported separately. Unknown types give None, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Accelerators:
    gpus: float
    gpu_model: str | None = None
    accelerators: float = 0
    accelerator_type: str | None = None


def _sizes(family: str, model: str, counts: dict[str, float]) -> dict[str, Accelerators]:
    return {f"{family}.{size}": Accelerators(n, model) for size, n in counts.items()}


def _azure(model: str, counts: dict[str, float]) -> dict[str, Accelerators]:
    """Azure VM sizes, keyed as ``standard_<size>`` in lower case."""
    return {f"standard_{size}": Accelerators(n, model) for size, n in counts.items()}


_SMALL = ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")

_CATALOG: dict[str, Accelerators] = {
    # AWS GPU families
    **_sizes("p3", "V100", {"2xlarge": 1, "8xlarge": 4, "16xlarge": 8}),
    **_sizes("p3dn", "V100", {"24xlarge": 8}),
    **_sizes("p4d", "A100", {"24xlarge": 8}),
    **_sizes("p4de", "A100 80GB", {"24xlarge": 8}),
    **_sizes("p5", "H100", {"4xlarge": 1, "48xlarge": 8}),
    **_sizes("p5e", "H200", {"48xlarge": 8}),
    **_sizes("p5en", "H200", {"48xlarge": 8}),
    **_sizes("p6-b200", "B200", {"48xlarge": 8}),
    **_sizes("p6-b300", "B300", {"48xlarge": 8}),
    **_sizes("p6e-gb200", "GB200", {"36xlarge": 4}),
    **_sizes("g3", "M60", {"4xlarge": 1, "8xlarge": 2, "16xlarge": 4}),
    **_sizes("g3s", "M60", {"xlarge": 1}),
    **_sizes("g4dn", "T4", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "metal": 8}),
    **_sizes(
        "g4ad",
        "Radeon Pro V520",
        {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 2, "16xlarge": 4},
    ),
    **_sizes("g5", "A10G", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}),
    **_sizes(
        "g5g",
        "T4G",
        {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 2, "metal": 2},
    ),
    **_sizes("g6", "L4", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}),
    **_sizes(
        "g6e", "L40S", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8}
    ),
    **_sizes("gr6", "L4", {"4xlarge": 1, "8xlarge": 1}),
    # Fractional L4 slices.
    **_sizes("g6f", "L4", {"large": 0.125, "xlarge": 0.125, "2xlarge": 0.25, "4xlarge": 0.5}),
    **_sizes("gr6f", "L4", {"4xlarge": 0.5}),
    # AWS accelerators that are not GPUs
    **{
        f"trn1.{s}": Accelerators(0, None, n, "Trainium")
        for s, n in {"2xlarge": 1, "32xlarge": 16}.items()
    },
    "trn1n.32xlarge": Accelerators(0, None, 16, "Trainium"),
    "trn2.48xlarge": Accelerators(0, None, 16, "Trainium2"),
    "trn2u.48xlarge": Accelerators(0, None, 16, "Trainium2"),
    **{
        f"inf1.{s}": Accelerators(0, None, n, "Inferentia")
        for s, n in {"xlarge": 1, "2xlarge": 1, "6xlarge": 4, "24xlarge": 16}.items()
    },
    **{
        f"inf2.{s}": Accelerators(0, None, n, "Inferentia2")
        for s, n in {"xlarge": 1, "8xlarge": 1, "24xlarge": 6, "48xlarge": 12}.items()
    },
    # Google Cloud
    "a2-megagpu-16g": Accelerators(16, "A100"),
    "a3-highgpu-8g": Accelerators(8, "H100"),
    "a3-megagpu-8g": Accelerators(8, "H100"),
    "a3-edgegpu-8g": Accelerators(8, "H100"),
    "a3-ultragpu-8g": Accelerators(8, "H200"),
    "a4-highgpu-8g": Accelerators(8, "B200"),
    "g2-standard-24": Accelerators(2, "L4"),
    "g2-standard-48": Accelerators(4, "L4"),
    "g2-standard-96": Accelerators(8, "L4"),
    # Microsoft Azure (sizes pages of learn.microsoft.com, "GPU partition" for NVadsA10 v5).
    **_azure(
        "A100",
        {
            "nc24ads_a100_v4": 1,
            "nc48ads_a100_v4": 2,
            "nc96ads_a100_v4": 4,
            "nd96asr_v4": 8,
            "nd96asr_a100_v4": 8,
        },
    ),
    **_azure("A100 80GB", {"nd96amsr_a100_v4": 8}),
    **_azure(
        "H100",
        {"nc40ads_h100_v5": 1, "nc80adis_h100_v5": 2, "ncc40ads_h100_v5": 1, "nd96isr_h100_v5": 8},
    ),
    **_azure("H200", {"nd96isr_h200_v5": 8}),
    **_azure("MI300X", {"nd96isr_mi300x_v5": 8}),
    **_azure("V100", {"nc6s_v3": 1, "nc12s_v3": 2, "nc24s_v3": 4, "nc24rs_v3": 4}),
    **_azure("T4", {"nc4as_t4_v3": 1, "nc8as_t4_v3": 1, "nc16as_t4_v3": 1, "nc64as_t4_v3": 4}),
    **_azure("M60", {"nv12s_v3": 1, "nv24s_v3": 2, "nv48s_v3": 4}),
    # NVadsA10 v5 sizes get a partition of one A10: 1/6, 1/3 and 1/2 of a GPU.
    **_azure(
        "A10",
        {
            "nv6ads_a10_v5": 1 / 6,
            "nv12ads_a10_v5": 1 / 3,
            "nv18ads_a10_v5": 1 / 2,
            "nv36ads_a10_v5": 1,
            "nv36adms_a10_v5": 1,
            "nv72ads_a10_v5": 2,
        },
    ),
}

#: GCP a2-/a3- names end in the GPU count: a2-highgpu-4g has 4 A100s.
_GCP_SUFFIX = re.compile(r"^a2-(?:high|ultra)gpu-(\d+)g$")


def accelerators(instance_type: str | None) -> Accelerators | None:
    """What an instance type carries; SageMaker's ``ml.`` prefix is ignored, and Azure sizes
    match with or without their ``Standard_`` prefix, in any case."""
    if not instance_type:
        return None
    key = instance_type.strip().lower().removeprefix("ml.")
    if key in _CATALOG:
        return _CATALOG[key]
    if f"standard_{key}" in _CATALOG:
        return _CATALOG[f"standard_{key}"]
    match = _GCP_SUFFIX.match(key)
    if match:
        return Accelerators(float(match.group(1)), "A100 80GB" if "ultra" in key else "A100")
    if key.startswith("g2-standard-"):
        return Accelerators(1, "L4")
    return None


def gpus_per_instance(instance_type: str | None) -> float | None:
    found = accelerators(instance_type)
    return found.gpus if found else None


def catalog_entries() -> list[tuple[str, Accelerators]]:
    """Every key ``accelerators`` answers for, in its matching form (lower case, no ``ml.``),
    so SQL can join on it: Azure sizes with and without ``standard_``, and the GCP names that
    a pattern covers."""
    keys = set(_CATALOG)
    keys.update(key.removeprefix("standard_") for key in _CATALOG if key.startswith("standard_"))
    keys.update(f"a2-{kind}gpu-{n}g" for kind in ("high", "ultra") for n in (1, 2, 4, 8, 16))
    keys.update(f"g2-standard-{n}" for n in (4, 8, 12, 16, 24, 32, 48, 96))
    entries = []
    for key in sorted(keys):
        found = accelerators(key)
        if found is not None:
            entries.append((key, found))
    return entries
