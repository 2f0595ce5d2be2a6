"""The benchmarks still run and still check what they claim, at a size that takes seconds.
Nothing here is timed: speed is read from the full runs (make bench, bench/*.py)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench(script: str, *args: str, results: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--results", str(results)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    [out] = results.glob(f"{script.removesuffix('.py')}_*.json")
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_cur_bench_loads_the_generated_month_and_reports_every_step(tmp_path: Path) -> None:
    report = _bench("cur.py", "--rows", "20000", results=tmp_path)
    assert report["rows"] == 20000
    assert set(report["steps"]) == {
        "ctas_default",
        "ctas_same_settings",
        "pandas",
        "aispend_ingest",
        "aispend_restate_month",
    }
    assert all(step["peak_mib"] > 0 for step in report["steps"].values())


def test_attribution_bench_methods_agree_on_every_run(tmp_path: Path) -> None:
    report = _bench("attribution.py", "--hosts", "2", "--days", "0.05", results=tmp_path)
    assert report["samples"] == 2 * 8 * 4320
    assert report["gpu_seconds_agree"] is True


def test_nightly_bench_runs_the_whole_refresh(tmp_path: Path) -> None:
    report = _bench("nightly.py", "--rows", "20000", "--hosts", "1", results=tmp_path)
    assert (report["rows"], report["samples"]) == (20000, 8 * 86400)
    assert report["runs"] > 0
    assert report["steps"]["aispend_nightly_run"]["summary"] == (
        "Done: 3 partition(s) loaded, 0 failed; checks: 7 passed, 0 failed."
    )


def test_engines_bench_builds_the_models_on_both_engines(tmp_path: Path) -> None:
    report = _bench("engines.py", "--rows", "20000", results=tmp_path)
    assert set(report["steps"]) == {"store_load", "models_duckdb", "models_spark"}
    assert report["row_counts_agree"] is True
    assert report["row_counts"]["marts.cost_by_provider"] > 0


def test_nightly_history_bench_loads_what_changed_and_nothing_on_a_rerun(tmp_path: Path) -> None:
    report = _bench(
        "nightly_history.py",
        *("--months", "1", "--rows", "20000", "--days", "1", "--repeat", "1"),
        results=tmp_path,
    )
    steps = report["months"]["1"]
    # the re-delivered month, the new day of nvidia-smi and its Slurm jobs; every check
    assert steps["nightly"]["summary"] == (
        "Done: 3 partition(s) loaded, 0 failed; checks: 7 passed, 0 failed."
    )
    assert steps["rerun"]["summary"] == (
        "Done: 0 partition(s) loaded, 0 failed; checks: 0 passed, 0 failed."
    )
    assert steps["period"]["summary"].startswith("Done: 1 partition(s) loaded")


def test_focus_bench_loads_every_row_of_the_grown_sample(tmp_path: Path) -> None:
    report = _bench("focus.py", "--rows", "3000", results=tmp_path)
    [size] = report["sizes"]
    assert size["rows"] == 3000  # three copies of the 1,000-row third-party sample
    assert set(size["steps"]) == {
        "ctas_default",
        "ctas_same_settings",
        "aispend_load",
        "aispend_restate_same_period",
    }
    assert all(step["peak_mib"] > 0 for step in size["steps"].values())


def test_telemetry_day_bench_counts_every_sample_in_gpu_usage(tmp_path: Path) -> None:
    report = _bench("telemetry_day.py", "--hosts", "1", results=tmp_path)
    assert report["samples"] == 8 * 86400
    assert report["every_sample_counted"] is True
    assert report["samples_in_gpu_usage"] == {"aispend_run": 8 * 86400}
    assert set(report["steps"]) == {"baseline_duckdb_ctas", "aispend_run"}
    assert report["steps"]["aispend_run"]["summary"] == (
        "Done: 2 partition(s) loaded, 0 failed; checks: 4 passed, 0 failed."
    )
