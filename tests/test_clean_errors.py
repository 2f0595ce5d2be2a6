"""Failing runs as a user's terminal and a scheduler see them: the real ``aispend`` script in a
subprocess, so interpreter teardown (DuckDB's nanobind leak report) and library warnings are
part of what is checked. One line names what and where; the exit code says whose move it is."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

from tests.conftest import month_rows, run_aispend, write_config, write_focus

GPU_LOG = Path(__file__).resolve().parents[1] / "aispend/demo_data/scenario/gpu/train-a.csv"
NOISE = ("Traceback", "nanobind", "Warning", "leaked")


def assert_quiet(result: subprocess.CompletedProcess[str]) -> None:
    for word in NOISE:
        assert word not in result.stdout + result.stderr, (word, result.stdout, result.stderr)


def test_a_missing_source_path_fails_that_source_alone_with_one_line(tmp_path: Path) -> None:
    write_focus(tmp_path / "good" / "oct.csv", month_rows("2026-10", ["1.25", "2.50"]))
    write_config(
        tmp_path,
        [
            {"name": "gone", "kind": "focus", "path": "nowhere/"},
            {"name": "good", "kind": "focus", "path": "good"},
        ],
    )
    result = run_aispend(tmp_path, "run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert_quiet(result)
    assert (
        f"gone: FAILED, nothing loaded from it: {tmp_path / 'nowhere'}: no such file or "
        "folder" in result.stdout
    )
    assert "good 2026-10: loaded 2 rows" in result.stdout  # the other source still loads
    total = run_aispend(
        tmp_path, "sql", "--format", "csv", "select sum(billed_cost) from marts.cost_lines"
    )
    assert total.stdout.splitlines()[1] == "3.75"  # 1.25 + 2.50


def test_config_errors_exit_2_with_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "aispend.yaml").write_text("warehouse: w.duckdb\nsourcez: []\n")
    result = run_aispend(tmp_path, "run")
    assert result.returncode == 2
    assert_quiet(result)
    assert result.stderr.startswith(f"Error: {tmp_path / 'aispend.yaml'}: invalid configuration")
    assert "sourcez: unknown key" in result.stderr

    missing = run_aispend(tmp_path, "--config", "elsewhere.yaml", "status")
    assert missing.returncode == 2
    assert "elsewhere.yaml: config file not found" in missing.stderr


def test_an_unreadable_telemetry_file_fails_the_run_and_is_named(tmp_path: Path) -> None:
    logs = tmp_path / "k8s"
    logs.mkdir()
    (logs / "pods.json").write_text('{"items": [')  # cut off while being copied
    (tmp_path / "gpu").mkdir()
    shutil.copy(GPU_LOG, tmp_path / "gpu" / "train-a.csv")
    write_config(
        tmp_path,
        [
            {"name": "kube", "kind": "kubernetes", "path": "k8s"},
            {"name": "gpus", "kind": "nvidia_smi", "path": "gpu"},
        ],
    )
    result = run_aispend(tmp_path, "run")
    assert result.returncode == 1
    assert_quiet(result)
    assert (
        f"kube: FAILED: {logs / 'pods.json'}: could not be read (JSONDecodeError" in result.stdout
    )
    assert "gpus: 1 day(s), 11520 GPU samples" in result.stdout  # 8 GPUs x 1,440 minutes
    assert "1 failed" in result.stdout
    status = run_aispend(tmp_path, "status")
    assert status.returncode == 0
    assert "kube unreadable files failed" in status.stdout
    assert f"{logs / 'pods.json'}: could not be read" in status.stdout


def test_a_truncated_log_among_good_ones_loads_the_good_days_and_fails(tmp_path: Path) -> None:
    (tmp_path / "gpu").mkdir()
    shutil.copy(GPU_LOG, tmp_path / "gpu" / "train-a.csv")
    whole = gzip.compress((GPU_LOG.parent / "train-b.csv").read_bytes())
    (tmp_path / "gpu" / "train-b.csv.gz").write_bytes(whole[: len(whole) // 2])
    write_config(tmp_path, [{"name": "gpus", "kind": "nvidia_smi", "path": "gpu"}])
    result = run_aispend(tmp_path, "run")
    assert result.returncode == 1, result.stdout
    assert_quiet(result)
    assert f"{tmp_path / 'gpu' / 'train-b.csv.gz'}" in result.stdout
    samples = run_aispend(
        tmp_path,
        "sql",
        "--format",
        "csv",
        "select count(*) from raw.gpu_samples where x_source_file like '%train-a%'",
    )
    assert samples.stdout.splitlines()[1] == "11520"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    plain = run_aispend(tmp_path, "init", "taken/aispend.yaml")
    assert plain.returncode == 3  # neither config nor data: the environment
    assert_quiet(plain)
    assert plain.stderr.splitlines() == [
        "Error: NotADirectoryError: [Errno 20] Not a directory: 'taken/aispend.yaml' "
        "(run with --debug for the traceback)"
    ]
    debug = run_aispend(tmp_path, "--debug", "init", "taken/aispend.yaml")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


def test_cli_edges_are_one_line_with_their_exit_code(tmp_path: Path) -> None:
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["1.25"]))
    write_config(tmp_path, [{"name": "bills", "kind": "focus", "path": "bills"}])
    assert run_aispend(tmp_path, "run").returncode == 0

    bad_period = run_aispend(tmp_path, "report", "--period", "2026-13")
    assert bad_period.returncode == 2
    assert (
        "Invalid value for --period: billing period '2026-13' is not of the form YYYY-MM"
        in bad_period.stderr
    )

    empty = run_aispend(tmp_path, "report", "--period", "2025-01", "--out", "r.html")
    assert empty.returncode == 1
    assert "holds no cost lines for 2025-01" in empty.stderr
    assert not (tmp_path / "r.html").exists()  # no empty page written

    (tmp_path / "latin1.yaml").write_bytes(b"warehouse: caf\xe9.duckdb\n")
    latin1 = run_aispend(tmp_path, "--config", "latin1.yaml", "status")
    assert latin1.returncode == 2
    assert latin1.stderr.strip() == "Error: latin1.yaml: not UTF-8 text (byte 14): save it as UTF-8"
    (tmp_path / "folder.yaml").mkdir()
    assert run_aispend(tmp_path, "--config", "folder.yaml", "status").returncode == 2
    for result in (bad_period, empty, latin1):
        assert_quiet(result)
