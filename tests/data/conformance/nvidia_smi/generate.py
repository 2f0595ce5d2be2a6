"""Regenerate the compressed nvidia-smi variants from the plain captures in tests/data/nvidia.

Run from the repository root: ``.venv/bin/python tests/data/conformance/nvidia_smi/generate.py``.
The plain captures are not copied here (they live in tests/data/nvidia); only what logrotate and
log shippers make of them: gzip (mtime 0, so the bytes are reproducible) and zstd (level 19).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import zstandard

HERE = Path(__file__).resolve().parent
CAPTURES = HERE.parent.parent / "nvidia"
PLAIN = [
    "nvidia-smi_query-gpu_loop_1s_with_load.csv",
    "nvidia-smi_query-gpu_idle.csv",
    "nvidia-smi_query-gpu_idle_noheader_nounits.csv",
    "nvidia-smi_dmon.txt",
    "nvidia-smi_query-compute-apps_loop.csv",
]


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=19).compress(data)


def main() -> None:
    for name in PLAIN:
        data = (CAPTURES / name).read_bytes()
        (HERE / f"{name}.gz").write_bytes(gz(data))
        (HERE / f"{name}.zst").write_bytes(zst(data))
    loop = (CAPTURES / PLAIN[0]).read_bytes()
    # logrotate with compress + delaycompress: gpu.csv.1 stays plain, gpu.csv.2.gz is gzip.
    (HERE / "logrotate").mkdir(exist_ok=True)
    (HERE / "logrotate" / "gpu.csv.2.gz").write_bytes(gz(loop))
    # A shipper that gzips without renaming: gzip bytes under a plain .csv name.
    (HERE / "gzip-without-suffix").mkdir(exist_ok=True)
    (HERE / "gzip-without-suffix" / "gpu.csv").write_bytes(gz(loop))
    # Cut short (a copy interrupted mid-transfer): the first half of the gzip stream.
    (HERE / "truncated").mkdir(exist_ok=True)
    whole = gz(loop)
    (HERE / "truncated" / "gpu.csv.gz").write_bytes(whole[: len(whole) // 2])
    (HERE / "truncated" / "gpu.csv.zst").write_bytes(zst(loop)[: len(zst(loop)) // 2])


if __name__ == "__main__":
    main()
