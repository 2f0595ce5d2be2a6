"""Regenerate the Slurm corpus from XDMoD's real ``sacct --parsable2`` fixtures in tests/data/slurm.

Run from the repository root: ``.venv/bin/python tests/data/conformance/slurm/generate.py``.
The plain fixtures stay in tests/data/slurm (not copied); here are what log shippers and
logrotate make of them (gzip with mtime 0 so the bytes are reproducible, zstd level 19), and
accounting-logs.log with the header line sacct prints when ``--noheader`` is left out (the same
``--format`` fields, in sacct's own spelling).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import zstandard

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent.parent / "slurm"
#: sacct's header for XDMoD's --format list (jobid,jobidraw,cluster,...,nodelist,jobname).
HEADER = (
    "JobID|JobIDRaw|Cluster|Partition|QOS|Account|Group|GID|User|UID|Submit|Eligible|"
    "Start|End|Elapsed|ExitCode|State|NNodes|NCPUS|ReqCPUS|ReqMem|ReqTRES|AllocTRES|"
    "Timelimit|NodeList|JobName\n"
)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=19).compress(data)


def main() -> None:
    small = (FIXTURES / "accounting-logs.log").read_bytes()
    big = (FIXTURES / "phillips.log").read_bytes()
    with_header = HEADER.encode() + small
    (HERE / "accounting-logs_header.log").write_bytes(with_header)
    (HERE / "accounting-logs_header.log.gz").write_bytes(gz(with_header))
    (HERE / "accounting-logs.log.gz").write_bytes(gz(small))
    (HERE / "accounting-logs.log.zst").write_bytes(zst(small))
    (HERE / "phillips.log.zst").write_bytes(zst(big))
    # logrotate's compress without a renamed suffix, and a copy cut short mid-transfer
    (HERE / "gzip-without-suffix").mkdir(exist_ok=True)
    (HERE / "gzip-without-suffix" / "sacct.log").write_bytes(gz(small))
    (HERE / "truncated").mkdir(exist_ok=True)
    (HERE / "truncated" / "phillips.log.gz").write_bytes(gz(big)[:20000])


if __name__ == "__main__":
    main()
