"""Slurm accounting: ``sacct --parsable2`` output, with or without its header line.

Without a header the fields are in XDMoD's order (``SACCT_FIELDS``). GPUs come from the
allocation row's AllocTRES only: steps (``123.batch``, ``123.extern``, ``123.0``) repeat the
job's resources and are skipped; array (``123_4``) and heterogeneous (``123+1``) components are
jobs of their own. Node lists are expanded (``gpu-node-[01-03]``, ``d13n[03,05,07-08]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from connectors.text_lines import iter_lines

SACCT_FIELDS = [
    "jobid",
    "jobidraw",
    "cluster",
    "partition",
    "qos",
    "account",
    "group",
    "gid",
    "user",
    "uid",
    "submit",
    "eligible",
    "start",
    "end",
    "elapsed",
    "exitcode",
    "state",
    "nnodes",
    "ncpus",
    "reqcpus",
    "reqmem",
    "reqtres",
    "alloctres",
    "timelimit",
    "nodelist",
    "jobname",
]
_ELAPSED = re.compile(r"^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_UNTYPED_GPU = re.compile(r"(?:^|,)gres/gpu=(\d+)")
_TYPED_GPU = re.compile(r"(?:^|,)gres/gpu:[^=,]+=(\d+)")
_STEP = re.compile(r"\.(?:batch|extern|interactive|\d+)$")


@dataclass
class SlurmJob:
    job_id: str
    cluster: str
    partition: str
    account: str
    user: str
    job_name: str
    state: str
    start: datetime | None
    end: datetime | None  # None while running (End=Unknown)
    elapsed_seconds: float
    gpus: int
    nodes: list[str]


@dataclass
class SacctFile:
    jobs: list[SlurmJob] = field(default_factory=list)
    steps_skipped: int = 0
    #: (line number, reason) of lines that could not be read; counted and reported, not guessed.
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def parse_elapsed(text: str) -> float:
    """``[D-][HH:]MM:SS`` (days may have several digits) -> seconds."""
    match = _ELAPSED.match(text.strip())
    if not match:
        raise ValueError(f"not a Slurm elapsed time: {text!r}")
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def gpu_count(alloc_tres: str) -> int:
    """GPUs in an AllocTRES string: the untyped ``gres/gpu=N`` when present (Slurm lists it
    beside the typed ones), else the sum of typed ``gres/gpu:<type>=N``."""
    untyped = _UNTYPED_GPU.findall(alloc_tres)
    if untyped:
        return sum(int(n) for n in untyped)
    return sum(int(n) for n in _TYPED_GPU.findall(alloc_tres))


def expand_nodelist(text: str) -> list[str]:
    """Slurm's compressed host list -> host names, in order."""
    hosts: list[str] = []
    for part in _split_top_level(text.strip()):
        hosts.extend(_expand_one(part))
    return hosts


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            if current:
                parts.append(current)
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current += char
    if current:
        parts.append(current)
    return parts


def _expand_one(pattern: str) -> list[str]:
    match = re.search(r"\[([^\]]*)\]", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    out = []
    for piece in match.group(1).split(","):
        low, _, high = piece.partition("-")
        if high:
            width = len(low)
            values = [str(n).zfill(width) for n in range(int(low), int(high) + 1)]
        else:
            values = [low]
        for value in values:
            out.extend(_expand_one(head + value + tail))
    return out


def parse_sacct(path: Path) -> SacctFile:
    """The file line by line (gzip or zstd too, told by magic bytes; a cut-off stream raises
    EOFError and a line past 1 MiB refuses the file, via connectors.text_lines)."""
    result = SacctFile()
    fields = SACCT_FIELDS
    for number, line in iter_lines(path):
        if number == 1 and line.split("|")[0].strip().lower() in ("jobid", "jobidraw"):
            fields = [name.strip().lower() for name in line.split("|")]
            continue
        if not line.strip():
            continue
        values = line.split("|")
        if len(values) != len(fields):
            result.bad_lines.append((number, f"{len(values)} fields, expected {len(fields)}"))
            continue
        row = dict(zip(fields, values, strict=True))
        if _STEP.search(row.get("jobid", "")):
            result.steps_skipped += 1
            continue
        try:
            result.jobs.append(_job(row))
        except ValueError as exc:
            result.bad_lines.append((number, str(exc)))
    return result


def _job(row: dict[str, str]) -> SlurmJob:
    return SlurmJob(
        job_id=row["jobid"],
        cluster=row.get("cluster", ""),
        partition=row.get("partition", ""),
        account=row.get("account", ""),
        user=row.get("user", ""),
        job_name=row.get("jobname", ""),
        state=row.get("state", ""),
        start=_timestamp(row.get("start", "")),
        end=_timestamp(row.get("end", "")),
        elapsed_seconds=parse_elapsed(row.get("elapsed", "0:0")),
        gpus=gpu_count(row.get("alloctres", "")),
        nodes=expand_nodelist(row.get("nodelist", ""))
        if row.get("nodelist", "") not in ("", "None assigned")
        else [],
    )


def _timestamp(text: str) -> datetime | None:
    text = text.strip()
    if text in ("", "Unknown", "None"):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a Slurm timestamp: {text!r}") from exc
