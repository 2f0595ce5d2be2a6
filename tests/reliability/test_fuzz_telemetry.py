"""Fuzzing the telemetry parsers through the reader the loader uses: truncated, shuffled,
mis-encoded and garbage input gives counted skips (with file and line), never a crash, and never
a sample that was not in the file."""

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.telemetry.reader import read_telemetry

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER = "timestamp, index, utilization.gpu [%], power.draw [W]"
utils = st.lists(st.integers(0, 100), min_size=1, max_size=40)


def smi_lines(values: list[int]) -> list[str]:
    return [
        f"2026/10/05 10:{i // 60:02d}:{i % 60:02d}.000, {i % 2}, {v} %, {v * 3}.50 W"
        for i, v in enumerate(values)
    ]


def read(folder: Path, kind: str, name: str, body: bytes):  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / name).write_bytes(body)
    return read_telemetry(kind, str(folder), host="h")


def samples_of(batch) -> set[tuple[str, int, float]]:  # type: ignore[no-untyped-def]
    frame = batch.samples
    return {
        (ts.isoformat(), gpu, util)
        for ts, gpu, util in frame.select("ts", "gpu_index", "util_pct").iter_rows()
    }


def expected(lines: list[str]) -> set[tuple[str, int, float]]:
    out = set()
    for line in lines:
        stamp, gpu, util, _ = (v.strip() for v in line.split(","))
        day, clock = stamp.split(" ")
        out.add((f"{day.replace('/', '-')}T{clock}", int(gpu), float(util.rstrip(" %"))))
    return {(t.replace(".000", ""), g, u) for t, g, u in out}


@SETTINGS
@given(values=utils, cut=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_nvidia_smi_truncated_or_shuffled(tmp_path: Path, values, cut, seed) -> None:  # type: ignore[no-untyped-def]
    lines = smi_lines(values)
    random.Random(seed).shuffle(lines)
    text = HEADER + "\n" + "\n".join(lines) + "\n"
    kept = text[: int(len(text) * cut)]
    batch = read(tmp_path / "smi", "nvidia_smi", "h.csv", kept.encode())
    whole = [line for line in kept.split("\n")[1:-1] if line]  # lines that ended in a newline
    got = samples_of(batch)
    assert got == expected(whole)  # nothing invented, nothing of a cut line
    lost = len(kept.split("\n")[-1].strip()) > 0  # a cut line, or a cut header
    assert (len(batch.skipped) >= 1) == lost  # the cut line is counted, with its line number
    assert all(p.file.endswith("h.csv") and p.row for p in batch.skipped)


@SETTINGS
@given(
    values=utils,
    junk=st.binary(min_size=1, max_size=200),
    where=st.floats(0, 1),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]),
)
def test_nvidia_smi_garbage_and_encodings_never_crash(
    tmp_path: Path,
    values,
    junk,
    where,  # type: ignore[no-untyped-def]
    encoding,
) -> None:
    text = (HEADER + "\n" + "\n".join(smi_lines(values)) + "\n").replace("h", "hé")
    body = text.encode(encoding, errors="replace")
    at = int(len(body) * where)
    batch = read(tmp_path / "smi", "nvidia_smi", "h.csv", body[:at] + junk + body[at:])
    assert all(0 <= u <= 100 for u in batch.samples["util_pct"].drop_nulls())


@SETTINGS
@given(seed=st.integers(0, 2**31), cut=st.floats(0, 1), junk=st.binary(max_size=100))
def test_sacct_dcgm_and_kubernetes_never_crash(tmp_path: Path, seed, cut, junk) -> None:  # type: ignore[no-untyped-def]
    sacct = "JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n" + "".join(
        f"{n}|u|a|2026-10-05T10:00:00|2026-10-05T11:00:00|01:00:00|COMPLETED|"
        f"gres/gpu={n % 4}|gpu-[01-02]|j{n}\n"
        for n in range(1, 20)
    )
    lines = sacct.splitlines(keepends=True)
    body = lines[:1] + random.Random(seed).sample(lines[1:], len(lines) - 1)
    shuffled = "".join(body)
    batch = read(tmp_path / "slurm", "slurm", "s.txt", shuffled.encode())
    assert sorted(batch.jobs["run_name"]) == sorted(f"j{n}" for n in range(1, 20))
    cut_text = shuffled[: int(len(shuffled) * cut)].encode() + junk
    read(tmp_path / "slurm", "slurm", "s.txt", cut_text)  # counted skips, no crash

    prom = "".join(f'DCGM_FI_DEV_GPU_UTIL{{gpu="{g}",Hostname="n"}} {g * 30}\n' for g in range(4))
    dcgm = read(
        tmp_path / "dcgm", "dcgm", "n-1791194400.prom", prom[: int(len(prom) * cut)].encode() + junk
    )
    assert all(0 <= u <= 100 for u in dcgm.samples["util_pct"].drop_nulls())

    pods = json.dumps(
        {
            "items": [
                {
                    "kind": "Pod",
                    "metadata": {"name": "p"},
                    "spec": {
                        "nodeName": "n",
                        "containers": [{"resources": {"limits": {"nvidia.com/gpu": "1"}}}],
                    },
                    "status": {"phase": "Running", "startTime": "2026-10-05T10:00:00Z"},
                }
            ]
        }
    )
    k8s = read(
        tmp_path / "k8s",
        "kubernetes",
        "pods-1791194400.json",
        pods[: int(len(pods) * cut)].encode() + junk,
    )
    assert k8s.pods.height in (0, 1)
    # a snapshot cut short is either read whole or refused as a file (the load then fails)
    assert k8s.pods.height == 1 or k8s.skipped or k8s.unreadable


def test_unknown_kind_is_an_error_not_a_skip(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no reader"):
        read_telemetry("gcp_billing", str(tmp_path))
