"""GPU attribution (GPU-seconds, utilization, idle time and energy) is exact to the sample: the SQL
rule on random telemetry (irregular cadence, gaps, samples that cross the hour and UTC midnight,
runs that share a node and overlap), built whole and built incrementally a day at a time."""

import random
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from aispend.warehouse import writer
from dbt_like import discover
from dbt_like.plan import build_plan
from dbt_like.runner import run_model

ROOT = Path(__file__).resolve().parent.parent
MODELS = (
    "staging.gpu_samples",
    "staging.gpu_sample_spans",
    "staging.scheduled_runs",
    "staging.run_gpu_hours",
)
T0 = datetime(2026, 9, 30, 22)  # the 3 hours of telemetry cross UTC midnight
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


def _day(seconds: float) -> int:
    """The UTC day of ``seconds`` since T0."""
    return int((EPOCH0 + seconds) // 86400)


def _expected(
    samples: list[tuple[str, int, float, float, float]],
    runs: list[tuple[str, str, float, float, float]],
) -> dict[tuple[str, int], list[float]]:
    """The rule, sample by sample: a sample lasts until the next one of its GPU if that comes
    within twice the GPU's median interval that UTC day (the median of the gaps between its
    samples of the day), else one median interval (as the last one does); a run holds gpus /
    GPUs on the host that day of every sample there; the overlap is cut at UTC hours. Energy:
    the sample's power over the same seconds."""
    by_gpu: dict[tuple[str, int], list[tuple[float, float, float]]] = defaultdict(list)
    for host, gpu, t, util, watts in samples:
        by_gpu[(host, gpu)].append((t, util, watts))
    spans = []
    gpus_on: dict[tuple[str, int], set[int]] = defaultdict(set)
    for (host, gpu), series in by_gpu.items():
        series.sort()
        gaps = [b[0] - a[0] for a, b in zip(series, series[1:], strict=False)]
        same_day: dict[int, list[float]] = defaultdict(list)
        for i, gap in enumerate(gaps):
            if _day(series[i][0]) == _day(series[i + 1][0]):
                same_day[_day(series[i][0])].append(gap)
        interval = {day: statistics.median(day_gaps) for day, day_gaps in same_day.items()}
        for i, (t, util, watts) in enumerate(series):
            gpus_on[(host, _day(t))].add(gpu)
            usual = interval[_day(t)]
            length = gaps[i] if i < len(gaps) and gaps[i] <= 2 * usual else usual
            spans.append((host, t, t + length, util, watts))
    out: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for run, host, start, end, held in runs:
        for h, s, e, util, watts in spans:
            if h != host:
                continue
            lo, hi = max(s, start), min(e, end)
            hour = int(lo // 3600)
            while lo < hi:
                cut = min(hi, (hour + 1) * 3600)
                seconds = held / len(gpus_on[(host, _day(hour * 3600))]) * (cut - lo)
                entry = out[(run, hour * 3600)]
                entry[0] += seconds
                entry[1] += seconds * util
                entry[2] += seconds if util < IDLE else 0.0
                entry[3] += seconds * watts
                lo, hour = cut, hour + 1
    return {k: v for k, v in out.items() if v[0] > 0}


MIDNIGHT = datetime(2026, 10, 1)
PARAMS = {"idle_util_pct": IDLE, "run_tag": "run", "team_tag": "team"}


def _insert(
    con: duckdb.DuckDBPyConnection,
    samples: list[tuple[str, int, float, float, float]],
    runs: list[tuple[str, str, float, float, float]],
) -> None:
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


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("build", ["whole", "a day at a time"])
def test_run_gpu_hours_follow_the_rule_sample_by_sample(
    tmp_path: Path, seed: int, build: str
) -> None:
    """``a day at a time``: the first day loaded and built, then the second day loaded (the
    runs that start on it with it) and the models rebuilt as the plan says (the spans from the
    day before on, their lookback; the hours from there on); the result is the rule's all the
    same."""
    rng = random.Random(seed)
    samples, runs = _telemetry(rng), _runs(rng)
    project = discover(ROOT / "sql")
    cut = (MIDNIGHT - T0).total_seconds()
    with writer(tmp_path / "w.duckdb", publish=False) as con:
        if build == "whole":
            _insert(con, samples, runs)
            plan: dict[str, datetime | None] = dict.fromkeys(MODELS)
        else:
            _insert(con, [s for s in samples if s[2] < cut], [r for r in runs if r[2] < cut])
            for name in MODELS:
                run_model(con, project.models[name], PARAMS)
            _insert(con, [s for s in samples if s[2] >= cut], [r for r in runs if r[2] >= cut])
            changes = {"raw.gpu_samples": MIDNIGHT, "raw.scheduler_jobs": MIDNIGHT}
            plan = build_plan(project, changes, existing=MODELS)
            assert plan["staging.gpu_sample_spans"] == MIDNIGHT - timedelta(days=1)
            assert plan["staging.run_gpu_hours"] == MIDNIGHT - timedelta(days=1)
        for name in MODELS:
            if name in plan:
                run_model(con, project.models[name], PARAMS, plan[name])
        got = {
            (run, int(hour - EPOCH0)): (gpu_s, util, idle, energy)
            for run, hour, gpu_s, util, idle, energy in con.execute(
                "SELECT run_id, hour_s, gpu_s, util_gpu_s, idle_gpu_s, energy_j "
                "FROM staging.run_gpu_hours"
            ).fetchall()
        }
    expected = _expected(samples, runs)
    assert any(hour < cut for _, hour in expected) and any(hour >= cut for _, hour in expected)
    assert set(got) == set(expected)
    # epoch seconds are doubles (about 1e-7 s apart at 2026), so sums agree to 1e-7, not bits
    for key, (gpu_s, util, idle, energy) in expected.items():
        assert got[key] == pytest.approx((gpu_s, util, idle, energy), rel=1e-7, abs=1e-3), key
