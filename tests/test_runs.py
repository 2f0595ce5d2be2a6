"""Runs and exact sample attribution on a hand-made cluster, numbers worked by hand."""

import json
from pathlib import Path

import yaml

from tests.conftest import write_focus


def scenario(folder: Path) -> None:
    smi = folder / "logs"
    smi.mkdir(parents=True)
    # n1: two GPUs sampled every 10 s from 10:00:00 to 10:00:50; GPU 0 busy, GPU 1 idle.
    lines = ["timestamp, index, utilization.gpu [%], memory.used [MiB], power.draw [W]"]
    for second in range(0, 60, 10):
        lines.append(f"2026/10/05 10:00:{second:02d}.000, 0, 100 %, 1000 MiB, 600.00 W")
        lines.append(f"2026/10/05 10:00:{second:02d}.000, 1, 0 %, 0 MiB, 70.00 W")
    (smi / "n1.csv").write_text("\n".join(lines) + "\n")
    # n2: one GPU, samples at :00, :10, :20, then a gap until 10:05:00; idle throughout.
    (smi / "n2.csv").write_text(
        "timestamp, index, utilization.gpu [%]\n2026/10/05 10:00:00.000, 0, 0 %\n"
        "2026/10/05 10:00:10.000, 0, 0 %\n2026/10/05 10:00:20.000, 0, 0 %\n"
        "2026/10/05 10:05:00.000, 0, 0 %\n"
    )
    # Slurm writes the cluster's local time; the cluster runs on New York time (EDT, UTC-4).
    (folder / "sacct.txt").write_text(
        "JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n"
        "1|ann|research|2026-10-05T06:00:00|2026-10-05T06:00:30|00:00:30|COMPLETED|"
        "cpu=4,gres/gpu=1|n1|job-a\n"
        "2|bob|vision|2026-10-05T06:00:30|2026-10-05T06:02:00|00:01:30|COMPLETED|"
        "cpu=8,gres/gpu=2|n1|job-b\n"
        "3|cat|vision|2026-10-05T06:00:00|2026-10-05T06:06:00|00:06:00|COMPLETED|"
        "gres/gpu:h100=1|n2|job-d\n"
        "4|dan|cpu|2026-10-05T06:00:00|2026-10-05T07:00:00|01:00:00|COMPLETED|cpu=64|n3|cpu-only\n"
    )
    write_focus(
        folder / "bills" / "oct.csv",
        [
            {
                "ChargePeriodStart": "2026-10-05T10:00:00Z",
                "ChargePeriodEnd": "2026-10-05T11:00:00Z",
                "ResourceId": "i-0abc",
                "ChargeCategory": "Usage",
                "ConsumedQuantity": "1",
                "ConsumedUnit": "Hours",
                "BilledCost": "98.32",
                "EffectiveCost": "98.32",
                "SkuPriceDetails": '{"InstanceType": "p5.48xlarge"}',
                "Tags": json.dumps({"user:training_run": "llm-7b", "team": "research"}),
            }
        ],
        columns=[
            "BillingPeriodStart",
            "BillingPeriodEnd",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "ProviderName",
            "ChargeCategory",
            "ServiceName",
            "ResourceId",
            "ConsumedQuantity",
            "ConsumedUnit",
            "BilledCost",
            "EffectiveCost",
            "BillingCurrency",
            "SkuPriceDetails",
            "Tags",
        ],
    )
    (folder / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [
                    {"name": "bills", "kind": "focus", "path": "bills"},
                    {"name": "smi", "kind": "nvidia_smi", "path": "logs"},
                    {
                        "name": "slurm",
                        "kind": "slurm",
                        "path": "sacct.txt",
                        "timezone": "America/New_York",
                    },
                ],
            }
        )
    )


def test_runs_and_attribution_worked_by_hand(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario(tmp_path)
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "smi: 1 day(s), 16 GPU samples, 0 jobs" in result.output
    assert "slurm: 1 day(s), 0 GPU samples, 4 jobs" in result.output

    runs = cli(
        "sql",
        "--format",
        "csv",
        "select run_id, run_name, team, started_at, ended_at, "
        "host, gpu_count from marts.runs order by run_id",
    )
    assert runs.output.splitlines() == [
        "run_id,run_name,team,started_at,ended_at,host,gpu_count",
        "slurm:1,job-a,research,2026-10-05 10:00:00,2026-10-05 10:00:30,n1,1.0",
        "slurm:2,job-b,vision,2026-10-05 10:00:30,2026-10-05 10:02:00,n1,2.0",
        "slurm:3,job-d,vision,2026-10-05 10:00:00,2026-10-05 10:06:00,n2,1.0",
        # From billing tags alone: user:training_run matches the run tag training_run.
        "tag:llm-7b,llm-7b,research,2026-10-05 10:00:00,2026-10-05 11:00:00,i-0abc,8.0",
    ]  # the CPU-only job 4 is not a GPU run

    usage = cli(
        "sql",
        "--format",
        "csv",
        "select run_id, gpu_seconds, util_pct_mean, "
        "idle_gpu_seconds from marts.run_gpu_usage order by run_id",
    )
    # job-a: 30 s on n1 holding 1 of its 2 GPUs: 30 s x 2 GPUs x 1/2 = 30 GPU-s; GPU 0 at 100 %
    #   and GPU 1 at 0 % weigh equally: 50 %; the idle GPU's half: 15 GPU-s.
    # job-b: 10:00:30-10:02:00 on both GPUs, but samples cover n1 only to 10:01:00 (the last
    #   sample stands for one 10 s interval): 30 s x 2 = 60 GPU-s, 50 %, 30 idle; the rest is
    #   no telemetry, not idle.
    # job-d: n2 samples stand for 10 + 10 + 10 (a 280 s gap is more than twice the 10 s
    #   interval: no telemetry, so the sample before it stands for one interval, as the last
    #   one does) + 10 = 40 GPU-s, all idle; not the 360 s the job lasted.
    assert usage.output.splitlines() == [
        "run_id,gpu_seconds,util_pct_mean,idle_gpu_seconds",
        "slurm:1,30.0,50.0,15.0",
        "slurm:2,60.0,50.0,30.0",
        "slurm:3,40.0,0.0,40.0",
    ]
    minutes = cli(
        "sql",
        "--format",
        "csv",
        "select host, gpu_index, minute, util_pct_mean, "
        "mem_used_mib_max, power_w_mean, samples from marts.gpu_usage "
        "where host = 'n1' order by gpu_index",
    )
    assert minutes.output.splitlines()[1:] == [
        "n1,0,2026-10-05 10:00:00,100.0,1000.0,600.0,6",
        "n1,1,2026-10-05 10:00:00,0.0,0.0,70.0,6",
    ]
    # kept per file: <source>/<file's key>/<day>/NNNNNN.parquet
    parts = list((tmp_path / "wh.telemetry" / "smi").glob("*/2026-10-05/*.parquet"))
    assert parts  # raw samples kept (zstd parquet) for re-attribution
    import polars as pl

    assert pl.read_parquet(parts).height == 16


def test_a_folder_of_mixed_nvidia_smi_outputs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from tests.conftest import DATA

    logs = tmp_path / "h100-a"
    logs.mkdir()
    for name in (
        "nvidia-smi_query-gpu_loop_1s_with_load.csv",
        "nvidia-smi_dmon.txt",
        "nvidia-smi_query-compute-apps_loop.csv",
    ):
        shutil.copy(DATA / "nvidia" / name, logs / name)
    (tmp_path / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [{"name": "smi", "kind": "nvidia_smi", "path": "h100-a"}],
            }
        )
    )
    (logs / "gpu-extra.csv").write_text(
        "timestamp, index, utilization.gpu [%]\n2026/11/23 03:50:00.000, 0, 5 %\n"
        "this line is garbage\n"
    )
    result = cli("run")
    # the readable lines load; the garbage line fails the run, named (exit 1)
    assert result.exit_code == 1, result.output
    assert "gpu-extra.csv, row 3: 1 fields, expected 3" in result.output
    status = cli("status")
    assert "smi 2026-11-23 loaded, skipped 1 unreadable line(s):" in status.output
    assert "gpu-extra.csv, row 3: 1 fields, expected 3" in status.output
    # 21 query-gpu samples + 20 dmon samples + 1; generic file names (nvidia-smi_*, gpu-*)
    # take the folder's name as the host.
    counts = cli(
        "sql",
        "--format",
        "csv",
        "select host, count(*) as n from raw.gpu_samples group by 1 order by 1",
    )
    assert counts.output.splitlines() == ["host,n", "h100-a,42"]
    processes = cli(
        "sql",
        "--format",
        "csv",
        "select pid, max(used_mib) as mib from raw.gpu_processes group by 1",
    )
    assert processes.output.splitlines() == ["pid,mib", "438,1386.0"]
