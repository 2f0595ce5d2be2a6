"""nvidia-smi, DCGM and Slurm files as the tools write them, and as logrotate and shippers leave
them (gzip with or without its suffix, zstd, cut short): tests/data/conformance/.

Every number is read off the files by hand (the arithmetic is in the comments); a compressed
variant must give exactly the frame its plain file gives.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from connectors.telemetry.dcgm.scrape import parse_range_query, parse_scrape
from connectors.telemetry.nvidia_smi.other_formats import parse_compute_apps, parse_dmon, sniff
from connectors.telemetry.nvidia_smi.query_gpu import iter_query_gpu, parse_query_gpu
from connectors.telemetry.reader import read_telemetry
from connectors.telemetry.slurm.sacct import parse_sacct
from tests.conftest import DATA

CORPUS = DATA / "conformance"
SMI, DCGM, SLURM = CORPUS / "nvidia_smi", CORPUS / "dcgm", CORPUS / "slurm"
CAPTURES = DATA / "nvidia"  # the plain nvidia-smi captures (referenced, not duplicated)
XDMOD = DATA / "slurm"  # the plain sacct fixtures
LOOP = "nvidia-smi_query-gpu_loop_1s_with_load.csv"
BIG = 2 << 20  # a 2 MiB line: past the 1 MiB a line of any of these logs may take


# --- nvidia-smi --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [f"{LOOP}.gz", f"{LOOP}.zst", "logrotate/gpu.csv.2.gz", "gzip-without-suffix/gpu.csv"],
)
def test_query_gpu_compressed_variants_give_the_plain_frame(variant: str) -> None:
    plain = parse_query_gpu(CAPTURES / LOOP, host="h100-a")
    packed = parse_query_gpu(SMI / variant, host="h100-a")
    assert packed.skipped == [] and packed.frame.equals(plain.frame)
    # 22 lines = the units header + 21 samples; the 10th sample (line 11) is the first busy one:
    # "2026/11/23 03:41:10.830, ..., 100 %, 9 %, 81559 MiB, 1395 MiB, ..., 600.81 W".
    frame = packed.frame
    assert frame.height == 21
    busy = frame.filter(pl.col("ts") == datetime(2026, 11, 23, 3, 41, 10, 830000)).row(
        0, named=True
    )
    assert (busy["util_pct"], busy["mem_used_mib"], busy["power_w"]) == (100.0, 1395.0, 600.81)
    assert frame["util_pct"].to_list() == [0.0] * 9 + [100.0] * 12


def test_query_gpu_compressed_stream_in_small_chunks() -> None:
    """A gzip stream read in 256-byte chunks gives the same samples as the plain file at once."""
    plain = parse_query_gpu(CAPTURES / LOOP, host="h").frame
    parts = list(iter_query_gpu(SMI / f"{LOOP}.gz", host="h", chunk_bytes=256))
    assert len(parts) > 5 and pl.concat([p.frame for p in parts]).equals(plain)


@pytest.mark.parametrize(
    "name", ["nvidia-smi_query-gpu_idle.csv", "nvidia-smi_query-gpu_idle_noheader_nounits.csv"]
)
@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_query_gpu_idle_compressed(name: str, suffix: str) -> None:
    plain = parse_query_gpu(CAPTURES / name, host="h", timezone="America/New_York")
    packed = parse_query_gpu(SMI / f"{name}{suffix}", host="h", timezone="America/New_York")
    assert packed.frame.equals(plain.frame) and packed.skipped == []
    row = packed.frame.row(0, named=True)
    # One sample: 0 %, 81559 MiB total, 0 MiB used, 72.73 W at 03:41:01.7xx New York (EST, UTC-5).
    assert (
        packed.frame.height,
        row["util_pct"],
        row["mem_total_mib"],
        row["mem_used_mib"],
        row["power_w"],
        row["ts"].hour,
    ) == (1, 0.0, 81559.0, 0.0, 72.73, 8)


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_dmon_and_compute_apps_compressed(suffix: str) -> None:
    dmon, apps = (
        SMI / f"nvidia-smi_dmon.txt{suffix}",
        SMI / (f"nvidia-smi_query-compute-apps_loop.csv{suffix}"),
    )
    # sniff reads the decompressed text, not the compressed bytes
    assert (sniff(dmon), sniff(apps)) == ("dmon", "compute_apps")
    assert sniff(SMI / f"{LOOP}{suffix}") == "query_gpu"
    plain = parse_dmon(CAPTURES / "nvidia-smi_dmon.txt", timezone="UTC", host="h")
    packed = parse_dmon(dmon, timezone="UTC", host="h")
    assert packed.frame.equals(plain.frame) and packed.skipped == []
    # 22 lines = 2 '#' headers + 20 samples; "20261123 03:40:15 0 663 ... 100 ... 1395": pwr 663 W,
    # sm 100 %, fb 1395 MB.
    at = packed.frame.filter(pl.col("ts") == datetime(2026, 11, 23, 3, 40, 15)).row(0, named=True)
    assert (packed.frame.height, at["power_w"], at["util_pct"], at["mem_used_mib"]) == (
        20,
        663.0,
        100.0,
        1395.0,
    )
    plain_apps, _ = parse_compute_apps(
        CAPTURES / "nvidia-smi_query-compute-apps_loop.csv", timezone="UTC", host="h"
    )
    packed_apps, bad = parse_compute_apps(apps, timezone="UTC", host="h")
    assert bad == [] and packed_apps.equals(plain_apps)
    # 8 rows of pid 438: 776 MiB twice (03:40:11, :13), then 1386 MiB six times.
    assert packed_apps["used_mib"].sum() == 2 * 776 + 6 * 1386


@pytest.mark.parametrize("name", ["truncated/gpu.csv.gz", "truncated/gpu.csv.zst"])
def test_truncated_nvidia_smi_raises(name: str) -> None:
    with pytest.raises(EOFError):
        parse_query_gpu(SMI / name, host="h")


def test_dispatcher_reads_gzip_without_suffix_and_refuses_a_truncated_one(tmp_path: Path) -> None:
    good, cut = tmp_path / "gpu-node-01", tmp_path / "gpu-node-02"
    good.mkdir()
    cut.mkdir()
    shutil.copy(SMI / "gzip-without-suffix" / "gpu.csv", good / "nvidia-smi.csv")
    shutil.copy(SMI / "truncated" / "gpu.csv.gz", cut / "nvidia-smi.csv.gz")
    batch = read_telemetry("nvidia_smi", str(tmp_path))
    assert batch.samples.filter(pl.col("host") == "gpu-node-01").height == 21
    assert [Path(p.file).parent.name for p in batch.unreadable] == ["gpu-node-02"]


def _long_line_file(path: Path, header: str, good: str) -> Path:
    path.write_text(f"{header}\n{good}\n{'x' * BIG}\n{good}\n")
    return path


def test_overlong_lines_are_refused_naming_file_and_line(tmp_path: Path) -> None:
    row = "2026/11/23 03:41:01.800, 0, GPU-72d856e7-cb93-1d78-96ab-7fe2f2a30b90, 0 %"
    query = _long_line_file(
        tmp_path / "gpu.csv", "timestamp, index, uuid, utilization.gpu [%]", row
    )
    with pytest.raises(ValueError, match=r"gpu\.csv.*line 3"):
        parse_query_gpu(query, host="h")
    # a line with no newline at all for 2 MiB (a stream of NULs after a crash) is refused too
    (tmp_path / "nul.csv").write_bytes(b"timestamp, index\n" + b"\0" * BIG)
    with pytest.raises(ValueError, match=r"nul\.csv.*line 2"):
        list(iter_query_gpu(tmp_path / "nul.csv", host="h", chunk_bytes=1 << 16))
    dmon = _long_line_file(tmp_path / "dmon.txt", "#Date Time gpu sm", " 20261123 03:40:05 0 0")
    with pytest.raises(ValueError, match=r"dmon\.txt.*line 3"):
        parse_dmon(dmon, timezone="UTC", host="h")
    sacct = _long_line_file(tmp_path / "sacct.log", "JobID|Start", "1|2026-01-01T00:00:00")
    with pytest.raises(ValueError, match=r"sacct\.log.*line 3"):
        parse_sacct(sacct)
    prom = _long_line_file(
        tmp_path / "m.prom", "# TYPE DCGM_FI_DEV_GPU_UTIL gauge", 'DCGM_FI_DEV_GPU_UTIL{gpu="0"} 5'
    )
    with pytest.raises(ValueError, match=r"m\.prom.*line 3"):
        parse_scrape(prom)
    packed = tmp_path / "packed.prom"
    packed.write_bytes(gzip.compress(prom.read_bytes()))
    with pytest.raises(ValueError, match=r"packed\.prom.*line 3"):
        parse_scrape(packed)


# --- DCGM --------------------------------------------------------------------------------------

K8S = "dcgm-exporter_2026-11-23T034110Z.prom"


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("host", "gpu_index", "mig_instance", "ts", nulls_last=False)


def test_dcgm_kubernetes_scrape_values() -> None:
    parsed = parse_scrape(DCGM / K8S)
    frame = _sorted(parsed.frame)
    # Two GPUs, no timestamps in the text: the time is the file name's 2026-11-23T03:41:10Z.
    # GPU 0 (pod llm-7b-worker-0): GPU_UTIL 100, FB_USED 1395 MiB, POWER_USAGE 689.59 W;
    # GPU 1 (no pod labels): 0, 0, 72.73. Nothing is a blank sentinel.
    assert parsed.dropped == 0 and parsed.skipped == []
    assert frame.select(
        "host", "gpu_index", "ts", "util_pct", "mem_used_mib", "power_w", "pod", "namespace"
    ).rows() == [
        (
            "dcgm-exporter-7xk2p",
            0,
            datetime(2026, 11, 23, 3, 41, 10),
            100.0,
            1395.0,
            689.59,
            "llm-7b-worker-0",
            "ml",
        ),
        ("dcgm-exporter-7xk2p", 1, datetime(2026, 11, 23, 3, 41, 10), 0.0, 0.0, 72.73, None, None),
    ]
    assert frame["gpu_uuid"][0] == "GPU-72d856e7-cb93-1d78-96ab-7fe2f2a30b90"
    assert set(frame["gpu_name"]) == {"NVIDIA H100 80GB HBM3"}


def test_dcgm_mig_scrape_values() -> None:
    frame = _sorted(parse_scrape(DCGM / "mig_2026-11-23T034140Z.prom").frame)
    # The device row has power (301.5 W) and no utilization; instance 1 (3g.40gb) has
    # GR_ENGINE_ACTIVE 0.25 -> 25 % and 20480 MiB; instance 13 (1g.10gb) 0 -> 0 % and 0 MiB.
    assert frame.select(
        "mig_instance", "mig_profile", "util_pct", "mem_used_mib", "power_w"
    ).rows() == [
        (None, None, None, None, 301.5),
        ("1", "3g.40gb", 25.0, 20480.0, None),
        ("13", "1g.10gb", 0.0, 0.0, None),
    ]
    assert set(frame["ts"]) == {datetime(2026, 11, 23, 3, 41, 40)}


@pytest.mark.parametrize("variant", [f"{K8S}.gz", f"{K8S}.zst", f"gzip-without-suffix/{K8S}"])
def test_dcgm_compressed_scrapes_give_the_plain_frame(variant: str) -> None:
    plain = parse_scrape(DCGM / K8S)
    packed = parse_scrape(DCGM / variant)
    assert _sorted(packed.frame).equals(_sorted(plain.frame)) and packed.frame.height == 2


def test_dcgm_truncated_scrape_raises() -> None:
    with pytest.raises(EOFError):
        parse_scrape(DCGM / "truncated" / f"{K8S}.gz")


@pytest.mark.parametrize(
    "name",
    ["range-query_gpu-util.json", "range-query_gpu-util.json.gz", "range-query_gpu-util.json.zst"],
)
def test_range_query_and_its_compressed_variants(name: str) -> None:
    frame = parse_range_query(DCGM / name).frame.sort("gpu_index", "ts")
    # 2 series x 3 steps. 1795405270 s = 20780 days (to 2026-11-23) x 86400 = 1795392000
    # + 13270 s (3 h 41 min 10 s); steps are 30 s apart. GPU 0 reads 0, 56, 100; GPU 1 0, 0, 0.
    assert frame.height == 6
    assert frame.filter(pl.col("gpu_index") == 0).select("ts", "util_pct").rows() == [
        (datetime(2026, 11, 23, 3, 41, 10), 0.0),
        (datetime(2026, 11, 23, 3, 41, 40), 56.0),
        (datetime(2026, 11, 23, 3, 42, 10), 100.0),
    ]
    assert set(frame["host"]) == {"gpu-node-3"}


def test_dispatcher_reads_a_compressed_range_query(tmp_path: Path) -> None:
    shutil.copy(DCGM / "range-query_gpu-util.json.gz", tmp_path / "range.json.gz")
    batch = read_telemetry("dcgm", str(tmp_path))
    assert batch.unreadable == [] and batch.samples.height == 6
    assert batch.samples["util_pct"].sum() == 0 + 56 + 100


def test_range_query_nested_too_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"status":"success","data":' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(ValueError, match=r"deep\.json"):
        parse_range_query(path)
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"status": "success", "data": {"result": "not a list"}}))
    with pytest.raises(ValueError, match=r"odd\.json"):
        parse_range_query(odd)


# --- Slurm -------------------------------------------------------------------------------------


def _jobs(path: Path) -> list[tuple[object, ...]]:
    parsed = parse_sacct(path)
    assert parsed.bad_lines == []
    return [
        (j.job_id, j.user, j.state, j.start, j.end, j.elapsed_seconds, j.gpus, j.nodes)
        for j in parsed.jobs
    ]


def test_sacct_with_header_reads_as_without() -> None:
    jobs = _jobs(SLURM / "accounting-logs_header.log")
    assert jobs == _jobs(XDMOD / "accounting-logs.log")
    # 4 allocations. 4107219 ran 2015-06-30T12:04:04 -> 2015-07-01T02:04:53, Elapsed 14:00:49
    # = 14*3600 + 49 + 0*60 = 50449 s; 5692623 holds gres/gpu=2 on cpn-k16-35-01,cpn-k16-37-01.
    assert len(jobs) == 4
    assert jobs[2][:6] == (
        "4107219",
        "anonuser",
        "COMPLETED",
        datetime(2015, 6, 30, 12, 4, 4),
        datetime(2015, 7, 1, 2, 4, 53),
        50449.0,
    )
    assert jobs[3][0] == "5692623" and jobs[3][6:] == (2, ["cpn-k16-35-01", "cpn-k16-37-01"])


@pytest.mark.parametrize(
    "variant",
    ["accounting-logs.log.gz", "accounting-logs.log.zst", "gzip-without-suffix/sacct.log"],
)
def test_sacct_compressed_variants(variant: str) -> None:
    assert _jobs(SLURM / variant) == _jobs(XDMOD / "accounting-logs.log")
    assert _jobs(SLURM / "accounting-logs_header.log.gz") == _jobs(XDMOD / "accounting-logs.log")


def test_sacct_big_zstd_file() -> None:
    parsed = parse_sacct(SLURM / "phillips.log.zst")
    # 4,285 lines, all allocations; only 163485 and 196835 carry gres/gpu=2 (on cpn-f11-31).
    assert (len(parsed.jobs), parsed.bad_lines, parsed.steps_skipped) == (4285, [], 0)
    assert [(j.job_id, j.gpus, j.nodes) for j in parsed.jobs if j.gpus] == [
        ("163485", 2, ["cpn-f11-31"]),
        ("196835", 2, ["cpn-f11-31"]),
    ]


def test_sacct_truncated_raises() -> None:
    with pytest.raises(EOFError):
        parse_sacct(SLURM / "truncated" / "phillips.log.gz")
