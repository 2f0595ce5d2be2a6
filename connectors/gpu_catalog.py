"""GPUs per instance for the cloud instance types that carry GPUs.

Bills price instances, not GPUs; to get a GPU-hour we need how many GPUs an instance has. The
figures are from the providers' public instance-type pages. Unknown types give None, never a guess.
"""

from __future__ import annotations

import re

_EXACT: dict[str, float] = {
    # AWS
    "p3.2xlarge": 1, "p3.8xlarge": 4, "p3.16xlarge": 8, "p3dn.24xlarge": 8,
    "p4d.24xlarge": 8, "p4de.24xlarge": 8, "p5.48xlarge": 8, "p5e.48xlarge": 8,
    "p5en.48xlarge": 8, "p5.4xlarge": 1, "p6-b200.48xlarge": 8,
    "g4dn.12xlarge": 4, "g4dn.metal": 8, "g5.12xlarge": 4, "g5.24xlarge": 4, "g5.48xlarge": 8,
    "g6.12xlarge": 4, "g6.24xlarge": 4, "g6.48xlarge": 8, "g6e.12xlarge": 4,
    "g6e.24xlarge": 4, "g6e.48xlarge": 8, "g4ad.8xlarge": 2, "g4ad.16xlarge": 4,
    # Google Cloud
    "a2-megagpu-16g": 16, "g2-standard-24": 2, "g2-standard-48": 4, "g2-standard-96": 8,
    "a3-highgpu-8g": 8, "a3-megagpu-8g": 8, "a3-ultragpu-8g": 8, "a3-edgegpu-8g": 8,
    # Microsoft Azure
    "standard_nc24ads_a100_v4": 1, "standard_nc48ads_a100_v4": 2, "standard_nc96ads_a100_v4": 4,
    "standard_nd96asr_v4": 8, "standard_nd96amsr_a100_v4": 8, "standard_nd96isr_h100_v5": 8,
    "standard_nd96isr_h200_v5": 8, "standard_nc6s_v3": 1, "standard_nc12s_v3": 2,
    "standard_nc24s_v3": 4, "standard_nc24rs_v3": 4, "standard_nc40ads_h100_v5": 1,
    "standard_nc80adis_h100_v5": 2, "standard_nv36ads_a10_v5": 1, "standard_nv72ads_a10_v5": 2,
}

#: Families where every size below the listed multi-GPU ones has one GPU.
_SINGLE_GPU_FAMILIES = re.compile(r"^(g4dn|g5|g6|g6e|g4ad|g5g)\.[0-9]*x?large$")
#: GCP a2-*/a3-* names end in the GPU count: a2-highgpu-4g has 4.
_GCP_SUFFIX = re.compile(r"^a[23]-[a-z]+-(\d+)g$")


def gpus_per_instance(instance_type: str | None) -> float | None:
    if not instance_type:
        return None
    key = instance_type.strip().lower()
    if key in _EXACT:
        return float(_EXACT[key])
    if _SINGLE_GPU_FAMILIES.match(key) or key.startswith("g2-standard-"):
        return 1.0
    match = _GCP_SUFFIX.match(key)
    return float(match.group(1)) if match else None
