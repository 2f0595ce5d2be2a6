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
    **_sizes("g4ad", "Radeon Pro V520", {"xlarge": 1, "2xlarge": 1, "4xlarge": 1,
                                         "8xlarge": 2, "16xlarge": 4}),
    **_sizes("g5", "A10G", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "24xlarge": 4,
                            "48xlarge": 8}),
    **_sizes("g5g", "T4G", {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1,
                            "16xlarge": 2, "metal": 2}),
    **_sizes("g6", "L4", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "24xlarge": 4,
                          "48xlarge": 8}),
    **_sizes("g6e", "L40S", {**{s: 1 for s in _SMALL}, "12xlarge": 4, "24xlarge": 4,
                             "48xlarge": 8}),
    **_sizes("gr6", "L4", {"4xlarge": 1, "8xlarge": 1}),
    # Fractional L4 slices.
    **_sizes("g6f", "L4", {"large": 0.125, "xlarge": 0.125, "2xlarge": 0.25, "4xlarge": 0.5}),
    **_sizes("gr6f", "L4", {"4xlarge": 0.5}),
    # AWS accelerators that are not GPUs
    **{f"trn1.{s}": Accelerators(0, None, n, "Trainium")
       for s, n in {"2xlarge": 1, "32xlarge": 16}.items()},
    "trn1n.32xlarge": Accelerators(0, None, 16, "Trainium"),
    "trn2.48xlarge": Accelerators(0, None, 16, "Trainium2"),
    "trn2u.48xlarge": Accelerators(0, None, 16, "Trainium2"),
    **{f"inf1.{s}": Accelerators(0, None, n, "Inferentia")
       for s, n in {"xlarge": 1, "2xlarge": 1, "6xlarge": 4, "24xlarge": 16}.items()},
    **{f"inf2.{s}": Accelerators(0, None, n, "Inferentia2")
       for s, n in {"xlarge": 1, "8xlarge": 1, "24xlarge": 6, "48xlarge": 12}.items()},
    # Google Cloud
    "a2-megagpu-16g": Accelerators(16, "A100"),
    "a3-highgpu-8g": Accelerators(8, "H100"), "a3-megagpu-8g": Accelerators(8, "H100"),
    "a3-edgegpu-8g": Accelerators(8, "H100"), "a3-ultragpu-8g": Accelerators(8, "H200"),
    "a4-highgpu-8g": Accelerators(8, "B200"),
    "g2-standard-24": Accelerators(2, "L4"), "g2-standard-48": Accelerators(4, "L4"),
    "g2-standard-96": Accelerators(8, "L4"),
    # Microsoft Azure
    "standard_nc24ads_a100_v4": Accelerators(1, "A100"),
    "standard_nc48ads_a100_v4": Accelerators(2, "A100"),
    "standard_nc96ads_a100_v4": Accelerators(4, "A100"),
    "standard_nd96asr_v4": Accelerators(8, "A100"),
    "standard_nd96amsr_a100_v4": Accelerators(8, "A100 80GB"),
    "standard_nd96isr_h100_v5": Accelerators(8, "H100"),
    "standard_nd96isr_h200_v5": Accelerators(8, "H200"),
    "standard_nc6s_v3": Accelerators(1, "V100"), "standard_nc12s_v3": Accelerators(2, "V100"),
    "standard_nc24s_v3": Accelerators(4, "V100"), "standard_nc24rs_v3": Accelerators(4, "V100"),
    "standard_nc40ads_h100_v5": Accelerators(1, "H100"),
    "standard_nc80adis_h100_v5": Accelerators(2, "H100"),
    "standard_nv36ads_a10_v5": Accelerators(1, "A10"),
    "standard_nv72ads_a10_v5": Accelerators(2, "A10"),
}

#: GCP a2-/a3- names end in the GPU count: a2-highgpu-4g has 4 A100s.
_GCP_SUFFIX = re.compile(r"^a2-(?:high|ultra)gpu-(\d+)g$")


def accelerators(instance_type: str | None) -> Accelerators | None:
    """What an instance type carries; SageMaker's ``ml.`` prefix is ignored."""
    if not instance_type:
        return None
    key = instance_type.strip().lower().removeprefix("ml.")
    if key in _CATALOG:
        return _CATALOG[key]
    match = _GCP_SUFFIX.match(key)
    if match:
        return Accelerators(float(match.group(1)), "A100 80GB" if "ultra" in key else "A100")
    if key.startswith("g2-standard-"):
        return Accelerators(1, "L4")
    return None


def gpus_per_instance(instance_type: str | None) -> float | None:
    found = accelerators(instance_type)
    return found.gpus if found else None
