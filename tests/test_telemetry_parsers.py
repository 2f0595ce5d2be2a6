"""GPU telemetry and scheduler parsers on the real captures, values checked by hand."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from connectors.telemetry.nvidia_smi.query_gpu import host_from_path, parse_query_gpu
from connectors.telemetry.slurm.sacct import expand_nodelist, gpu_count, parse_elapsed, parse_sacct
from tests.conftest import DATA

NVIDIA = DATA / "nvidia"
SLURM = DATA / "slurm"


@pytest.mark.parametrize(
    ("tres", "gpus"), json.loads((SLURM / "alloc-tres-gpu-count.json").read_text())
)
def test_xdmod_alloc_tres_vectors(tres: str, gpus: int) -> None:
    assert gpu_count(tres) == gpus


def test_typed_and_untyped_gres_are_not_counted_twice() -> None:
    assert gpu_count("cpu=8,gres/gpu=4,gres/gpu:a100=4,node=1") == 4
    assert gpu_count("cpu=8,gres/gpu:a100=2,gres/gpu:v100=1") == 3


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:24", 24),
        ("14:00:49", 50449),
        ("10-13:27:06", 912426),
        ("123-00:00:01", 10627201),
        ("05:07", 307),
    ],
)
def test_elapsed(text: str, seconds: int) -> None:
    assert parse_elapsed(text) == seconds


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("gpu-node-[01-03]", ["gpu-node-01", "gpu-node-02", "gpu-node-03"]),
        ("d13n[03,05,07-08]", ["d13n03", "d13n05", "d13n07", "d13n08"]),
        ("a1,b[2-3]c,d", ["a1", "b2c", "b3c", "d"]),
        (
            "cpn-f13-03-[01-02],cpn-f13-04-[01-02]",
            ["cpn-f13-03-01", "cpn-f13-03-02", "cpn-f13-04-01", "cpn-f13-04-02"],
        ),
    ],
)
def test_node_lists(text: str, hosts: list[str]) -> None:
    assert expand_nodelist(text) == hosts


def test_xdmod_sacct_without_header() -> None:
    phillips = parse_sacct(SLURM / "phillips.log")
    assert (len(phillips.jobs), phillips.bad_lines) == (4285, [])
    with_gpus = [(j.job_id, j.gpus, j.nodes) for j in phillips.jobs if j.gpus]
    assert with_gpus == [("163485", 2, ["cpn-f11-31"]), ("196835", 2, ["cpn-f11-31"])]
    first = phillips.jobs[0]
    assert (first.user, first.account, first.state) == ("noror", "chaff", "CANCELLED by 380693")
    assert first.elapsed_seconds == 10 * 86400 + 13 * 3600 + 27 * 60 + 6
    logs = parse_sacct(SLURM / "accounting-logs.log")
    big = logs.jobs[0]
    assert len(big.nodes) == 32  # nnodes says 32; d13n[03,05,07-08,16] alone gives 5
    assert big.nodes[-5:] == ["d13n03", "d13n05", "d13n07", "d13n08", "d13n16"]
    odd = logs.jobs[3]  # empty partition, Unknown eligible time, gres/gpu=2
    assert (odd.gpus, odd.nodes, odd.partition) == (2, ["cpn-k16-35-01", "cpn-k16-37-01"], "")


def test_sacct_with_header_steps_arrays_running_jobs_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "sacct.txt"
    path.write_text(
        "JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n"
        "100_3|ann|ml|2026-10-01T10:00:00|2026-10-01T12:00:00|02:00:00|COMPLETED|"
        "cpu=8,gres/gpu=4,gres/gpu:h100=4|gpu-[01-02]|sweep\n"
        "100_3.batch|ann|ml|2026-10-01T10:00:00|2026-10-01T12:00:00|02:00:00|COMPLETED|"
        "cpu=8,gres/gpu=4|gpu-01|batch\n"
        "100_3.extern|ann|ml|2026-10-01T10:00:00|2026-10-01T12:00:00|02:00:00|COMPLETED|"
        "cpu=8,gres/gpu=4|gpu-[01-02]|extern\n"
        "200+1|bob|cv|2026-10-02T00:00:00|Unknown|1-00:00:00|RUNNING|gres/gpu:a100=2|gpu-03|het\n"
        "garbage without pipes\n"
        "300|cat|cv|2026-10-02T00:00:00|2026-10-02T01:00:00|01:00:00|COMPLETED|gres/gpu=1"
    )
    parsed = parse_sacct(path)
    assert [(j.job_id, j.gpus, j.nodes) for j in parsed.jobs] == [
        ("100_3", 4, ["gpu-01", "gpu-02"]),
        ("200+1", 2, ["gpu-03"]),
    ]
    assert parsed.jobs[1].end is None and parsed.jobs[1].start == datetime(2026, 10, 2)
    assert parsed.steps_skipped == 2
    assert [n for n, _ in parsed.bad_lines] == [6, 7]  # garbage, and a last line cut short


def test_query_gpu_loop_with_header_and_units() -> None:
    samples = parse_query_gpu(NVIDIA / "nvidia-smi_query-gpu_loop_1s_with_load.csv", host="h100-a")
    frame = samples.frame
    assert (frame.height, samples.skipped) == (21, [])
    # From the file: 9 samples at 0 %, then 12 at 100 %; power peaks at 697.50 W.
    assert frame["util_pct"].to_list() == [0.0] * 9 + [100.0] * 12
    assert frame["power_w"].max() == 697.50 and frame["mem_used_mib"].max() == 1395
    assert frame["ts"][0] == datetime(2026, 11, 23, 3, 41, 1, 800000)
    assert set(frame["host"]) == {"h100-a"} and set(frame["gpu_index"]) == {0}


def test_query_gpu_without_header_in_a_local_time_zone() -> None:
    samples = parse_query_gpu(
        NVIDIA / "nvidia-smi_query-gpu_idle_noheader_nounits.csv",
        timezone="America/New_York",
        host="h",
    )
    row = samples.frame.row(0, named=True)
    # 03:41:01.761 in New York (EST, UTC-5, in November) is 08:41:01.761 UTC.
    assert row["ts"] == datetime(2026, 11, 23, 8, 41, 1, 761000)
    assert (row["util_pct"], row["mem_total_mib"], row["power_w"]) == (0.0, 81559.0, 72.73)


def test_daylight_saving_hours_and_non_values(tmp_path: Path) -> None:
    path = tmp_path / "gpu-node-07_2026-10-25.csv"
    path.write_text(
        "timestamp, index, utilization.gpu [%], power.draw [W]\n"
        "2026/10/25 02:30:00.000, 0, 50 %, 300.00 W\n"
        "2026/10/25 02:59:00.000, 0, [N/A], [Not Supported]\n"
        "2026/10/25 02:00:00.000, 0, 60 %, [Insufficient Permissions]\n"  # clocks went back
        "2026/10/25 02:30:00.000, 0, 70 %, 310.00 W\n"
        "not a timestamp, 0, 1 %, 1 W\n"
    )
    samples = parse_query_gpu(path, timezone="Europe/Berlin")
    # Berlin leaves CEST (UTC+2) at 03:00 local: the first 02:xx are UTC+2, the repeat UTC+1.
    assert samples.frame["ts"].to_list() == [
        datetime(2026, 10, 25, 0, 30),
        datetime(2026, 10, 25, 0, 59),
        datetime(2026, 10, 25, 1, 0),
        datetime(2026, 10, 25, 1, 30),
    ]
    assert samples.frame["util_pct"].to_list() == [50.0, None, 60.0, 70.0]
    assert samples.frame["power_w"].to_list() == [300.0, None, None, 310.0]
    assert set(samples.frame["host"]) == {"gpu-node-07"}  # from the file name
    assert [n for n, _ in samples.skipped] == [6]

    spring = tmp_path / "spring.csv"
    spring.write_text(
        "timestamp, index, utilization.gpu [%]\n"
        "2026/03/29 01:59:00.000, 0, 5 %\n2026/03/29 02:30:00.000, 0, 5 %\n"
        "2026/03/29 03:00:00.000, 0, 5 %\n"
    )
    gap = parse_query_gpu(spring, timezone="Europe/Berlin", host="h")
    assert gap.frame.height == 2
    assert gap.skipped == [
        (3, "2026/03/29 02:30:00.000 does not exist in Europe/Berlin (clocks went forward)")
    ]


def test_host_from_path() -> None:
    assert host_from_path(Path("logs/gpu-node-01/nvidia-smi.csv")) == "gpu-node-01"
    assert host_from_path(Path("gpu-node-01_2026-11-23.csv")) == "gpu-node-01"
    assert host_from_path(Path("dgx-a100-3.csv")) == "dgx-a100-3"


def test_chunked_reading_gives_the_same_samples_and_carries_daylight_saving(tmp_path: Path) -> None:
    from connectors.telemetry.nvidia_smi.query_gpu import iter_query_gpu

    path = tmp_path / "gpu-node-07.csv"
    rows = ["timestamp, index, utilization.gpu [%]"]
    for minute in range(0, 60, 5):  # 02:00-02:55 local, twice: the hour repeats at fall-back
        rows.append(f"2026/10/25 02:{minute:02d}:00.000, 0, {minute} %")
    for minute in range(0, 60, 5):
        rows.append(f"2026/10/25 02:{minute:02d}:00.000, 0, {minute + 1} %")
    path.write_text("\n".join(rows) + "\n")
    whole = parse_query_gpu(path, timezone="Europe/Berlin").frame
    chunks = list(iter_query_gpu(path, timezone="Europe/Berlin", chunk_bytes=64))
    assert len(chunks) > 5
    pieces = [c.frame for c in chunks]
    import polars as pl

    assert pl.concat(pieces).equals(whole)
    # 24 distinct UTC instants: 00:00-00:55 (CEST) then 01:00-01:55 (CET).
    assert whole["ts"].n_unique() == 24 and whole["ts"].is_sorted()


def test_dmon_text_and_compute_apps() -> None:
    from connectors.telemetry.nvidia_smi.other_formats import parse_compute_apps, parse_dmon, sniff

    dmon_path = NVIDIA / "nvidia-smi_dmon.txt"
    apps_path = NVIDIA / "nvidia-smi_query-compute-apps_loop.csv"
    assert sniff(dmon_path) == "dmon" and sniff(apps_path) == "compute_apps"
    assert sniff(NVIDIA / "nvidia-smi_query-gpu_idle.csv") == "query_gpu"
    dmon = parse_dmon(dmon_path, timezone="UTC", host="h100-a")
    first = dmon.frame.row(0, named=True)
    # The first data line: 20261123 03:40:05, gpu 0, pwr 71 W, sm 0 %, fb 0 MB.
    assert (
        first["ts"],
        first["gpu_index"],
        first["power_w"],
        first["util_pct"],
        first["mem_used_mib"],
    ) == (datetime(2026, 11, 23, 3, 40, 5), 0, 71.0, 0.0, 0.0)
    assert dmon.frame.height == 20 and dmon.skipped == []
    apps, bad = parse_compute_apps(apps_path, timezone="UTC", host="h100-a")
    assert bad == [] and apps.height == 8
    assert set(apps["pid"]) == {438} and set(apps["process_name"]) == {"python3"}
    assert apps["used_mib"].to_list() == [776.0, 776.0] + [1386.0] * 6
