"""GPU attribution (GPU-seconds, utilization, idle time and energy) is exact to the sample: the SQL
rule on random telemetry (irregular cadence, gaps, samples that cross the hour, runs that share
a node and overlap)."""

import random
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from aispend.warehouse import writer
from dbt_like import discover
from dbt_like.runner import run_model

ROOT = Path(__file__).resolve().parent.parent
MODELS = (
    "staging.gpu_samples",
    "staging.gpu_sample_spans",
    "staging.runs",
    "staging.run_gpu_hours",
)
T0 = datetime(2026, 10, 1)
IDLE = 5.0
EPOCH0 = (T0 - datetime(1970, 1, 1)).total_seconds()


def _telemetry(rng: random.Random) -> list[tuple[str, int, float, float, float]]:
    """(host, gpu, seconds since T0, util, watts): a cadence per GPU with jitter and a few
    gaps."""
    samples = []
    for host in ("a", "b"):
        for gpu in range(2):
            cadence = rng.choice([1.0, 7.0, 60.0])
            t = rng.uniform(0, 100)
            while t < 3 * 3600:
                util = rng.choice([0.0, 3.0, 50.0, 100.0])
                samples.append((host, gpu, round(t, 3), util, round(rng.uniform(60, 700), 2)))
                t += cadence * rng.uniform(0.9, 1.1) + (600 if rng.random() < 0.01 else 0)
    return samples


def _runs(rng: random.Random) -> list[tuple[str, str, float, float, float]]:
    """(run, host, start, end, GPUs held): overlapping runs sharing each node."""
    runs = []
    for i in range(12):
        start = rng.uniform(0, 9000)
        runs.append(
            (
                f"r{i}",
                rng.choice(["a", "b"]),
                round(start, 3),
                round(start + rng.uniform(30, 4000), 3),
                float(rng.choice([1, 2])),
            )
        )
    return runs


def _expected(
    samples: list[tuple[str, int, float, float, float]],
    runs: list[tuple[str, str, float, float, float]],
) -> dict[tuple[str, int], list[float]]:
    """The rule, sample by sample: a sample lasts until the next one of its GPU, at most twice
    the GPU's median interval (the median interval for the last one); a run holds gpus / GPUs
    on the host of every sample there; the overlap is cut at UTC hours. Energy: the sample's
    power over the same seconds."""
    by_gpu: dict[tuple[str, int], list[tuple[float, float, float]]] = defaultdict(list)
    for host, gpu, t, util, watts in samples:
        by_gpu[(host, gpu)].append((t, util, watts))
    spans = []
    for (host, _), series in by_gpu.items():
        series.sort()
        gaps = [b[0] - a[0] for a, b in zip(series, series[1:], strict=False)]
        interval = statistics.median(gaps)
        for i, (t, util, watts) in enumerate(series):
            length = gaps[i] if i < len(gaps) else interval
            spans.append((host, t, t + min(length, 2 * interval), util, watts))
    gpus_on = {h: len({g for (hh, g) in by_gpu if hh == h}) for h, _ in by_gpu}
    out: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for run, host, start, end, held in runs:
        share = held / gpus_on[host]
        for h, s, e, util, watts in spans:
            if h != host:
                continue
            lo, hi = max(s, start), min(e, end)
            hour = int(lo // 3600)
            while lo < hi:
                cut = min(hi, (hour + 1) * 3600)
                seconds = share * (cut - lo)
                entry = out[(run, hour * 3600)]
                entry[0] += seconds
                entry[1] += seconds * util
                entry[2] += seconds if util < IDLE else 0.0
                entry[3] += seconds * watts
                lo, hour = cut, hour + 1
    return {k: v for k, v in out.items() if v[0] > 0}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_run_gpu_hours_follow_the_rule_sample_by_sample(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    samples, runs = _telemetry(rng), _runs(rng)
    with writer(tmp_path / "w.duckdb", publish=False) as con:
        con.executemany(
            "INSERT INTO raw.gpu_samples (x_source, host, gpu_index, ts, util_pct, power_w) "
            "VALUES ('smi', ?, ?, ?, ?, ?)",
            [[h, g, T0 + timedelta(seconds=t), u, w] for h, g, t, u, w in samples],
        )
        con.executemany(
            "INSERT INTO raw.scheduler_jobs (x_source, run_id, run_name, started_at, ended_at, "
            "gpu_count, hosts, state) VALUES ('slurm', ?, ?, ?, ?, ?, [?], 'COMPLETED')",
            [
                [r, r, T0 + timedelta(seconds=s), T0 + timedelta(seconds=e), n, h]
                for r, h, s, e, n in runs
            ],
        )
        project = discover(ROOT / "sql")
        for name in MODELS:
            run_model(
                con,
                project.models[name],
                {"idle_util_pct": IDLE, "run_tag": "run", "team_tag": "team"},
            )
        got = {
            (run, int(hour - EPOCH0)): (gpu_s, util, idle, energy)
            for run, hour, gpu_s, util, idle, energy in con.execute(
                "SELECT run_id, hour_s, gpu_s, util_gpu_s, idle_gpu_s, energy_j "
                "FROM staging.run_gpu_hours"
            ).fetchall()
        }
    expected = _expected(samples, runs)
    assert set(got) == set(expected)
    # epoch seconds are doubles (about 1e-7 s apart at 2026), so sums agree to 1e-7, not bits
    for key, (gpu_s, util, idle, energy) in expected.items():
        assert got[key] == pytest.approx((gpu_s, util, idle, energy), rel=1e-7, abs=1e-3), key
