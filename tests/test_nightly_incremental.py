"""A nightly `aispend run` costs what changed: it loads the (source, period) partitions whose
delivery changed and the telemetry days whose content changed, builds nothing when nothing
changed, and ends with the same marts as a full rebuild from the same files."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from tests.conftest import month_rows, write_focus

ROOT = Path(__file__).resolve().parent.parent
SMI_HEADER = "timestamp, index, utilization.gpu [%], power.draw [W]\n"


def _smi(path: Path, day: str, util: int, watts: int) -> None:
    """One GPU sampled every 10 s for two minutes from 10:00 UTC on ``day``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{day.replace('-', '/')} 10:{s // 60:02d}:{s % 60:02d}.000, 0, {util} %, {watts}.00 W\n"
        for s in range(0, 120, 10)
    ]
    path.write_text(SMI_HEADER + "".join(lines))


def _scenario(folder: Path) -> None:
    write_focus(folder / "bills" / "sep.csv", month_rows("2026-09", ["10.00", "5.00"]))
    write_focus(folder / "bills" / "oct.csv", month_rows("2026-10", ["7.00"]))
    _smi(folder / "logs" / "n1_2026-10-02.csv", "2026-10-02", 100, 600)
    (folder / "sacct.txt").write_text(
        "JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n"
        "1|ann|research|2026-10-02T10:00:00|2026-10-02T10:01:00|00:01:00|COMPLETED|"
        "gres/gpu=1|n1|job-a\n"
    )
    (folder / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [
                    {"name": "bills", "kind": "focus", "path": "bills"},
                    {"name": "smi", "kind": "nvidia_smi", "path": "logs"},
                    {"name": "slurm", "kind": "slurm", "path": "sacct.txt", "timezone": "UTC"},
                ],
            }
        )
    )


def copy_inputs(source: Path, target: Path, names: tuple[str, ...]) -> None:
    """The scenario's files (``names``, folders one level deep) copied into a fresh folder."""
    target.mkdir()
    for name in names:
        if (source / name).is_dir():
            (target / name).mkdir()
            for f in (source / name).iterdir():
                (target / name / f.name).write_bytes(f.read_bytes())
        else:
            (target / name).write_bytes((source / name).read_bytes())


def _loads(folder: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(folder / "wh.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select source, period from meta.loads where status = 'loaded' order by all"
        ).fetchall()
    finally:
        con.close()
    return [(str(s), str(p)) for s, p in rows]


def _marts(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(folder / "wh.duckdb"), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where schema_name in ('marts', 'staging') and table_name <> 'budget_status' "
                "order by 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            columns = [
                r[0]
                for r in con.execute(f"describe {name}").fetchall()
                if r[0] not in ("x_source_file",)
            ]
            query = f"select {', '.join(chr(34) + c + chr(34) for c in columns)} from {name}"
            out[name] = sorted(con.execute(query).fetchall(), key=repr)
    finally:
        con.close()
    return out


def test_a_rerun_with_nothing_new_loads_and_builds_nothing(cli: Any, tmp_path: Path) -> None:
    _scenario(tmp_path)
    first = cli("run")
    assert first.exit_code == 0, first.output
    loads = _loads(tmp_path)
    assert ("bills", "2026-09") in loads and ("smi", "2026-10-02") in loads

    again = cli("run")
    assert again.exit_code == 0, again.output
    assert "0 (source, period) partition(s) new or changed" in again.output
    assert "2 unchanged, not reloaded" in again.output
    assert "smi: no file new or changed since its last clean load (1 file(s)); nothing parsed" in (
        again.output
    )
    assert "Nothing new since the last run" in again.output
    assert "Rebuilding SQL models" not in again.output
    assert _loads(tmp_path) == loads  # not one load more


def test_only_what_changed_loads_and_the_marts_equal_a_full_rebuild(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario(tmp_path)
    assert cli("run").exit_code == 0
    before = _loads(tmp_path)

    # (a) September restated in place: same file name, other amounts
    write_focus(tmp_path / "bills" / "sep.csv", month_rows("2026-09", ["11.00", "5.00"]))
    # (b) a new telemetry day
    _smi(tmp_path / "logs" / "n1_2026-10-03.csv", "2026-10-03", 50, 300)
    result = cli("run")
    assert result.exit_code == 0, result.output
    new = Counter(_loads(tmp_path)) - Counter(before)
    assert ("bills", "2026-09") in new and ("smi", "2026-10-03") in new
    assert ("bills", "2026-10") not in new and ("smi", "2026-10-02") not in new
    assert "1 (source, period) partition(s) new or changed" in result.output
    assert "1 unchanged day(s) not reloaded" in result.output
    # the new day's spans and those of the day before it, not the whole history
    assert "staging.gpu_sample_spans: 24 rows (rebuilt from 2026-10-02 00:00)" in result.output
    total = cli("sql", "--format", "csv", "select sum(billed_cost) from marts.cost_lines")
    # 11.00 + 5.00 restated September, 7.00 October
    assert next(csv.reader(io.StringIO(total.output.splitlines()[1])))[0] == "23.00"

    # (c) a late file for an old day: a second host's log for 2026-10-02
    snapshot = _loads(tmp_path)
    _smi(tmp_path / "logs" / "n2_2026-10-02.csv", "2026-10-02", 0, 70)
    result = cli("run")
    assert result.exit_code == 0, result.output
    added = Counter(_loads(tmp_path)) - Counter(snapshot)
    assert list(added) == [("smi", "2026-10-02")]  # that day only; 2026-10-03 untouched
    assert "staging.gpu_sample_spans: 36 rows (rebuilt from 2026-10-01 00:00)" in result.output
    assert "kept, their inputs unchanged since the last build: " in result.output
    assert "marts.cost_by_provider" in result.output.split("kept, their inputs unchanged")[1]

    # (d) nothing new
    result = cli("run")
    assert "Nothing new since the last run" in result.output

    incremental = _marts(tmp_path)
    fresh = tmp_path / "fresh"
    copy_inputs(tmp_path, fresh, ("bills", "logs", "sacct.txt", "aispend.yaml"))
    monkeypatch.chdir(fresh)
    assert cli("run", "--full-refresh").exit_code == 0
    rebuilt = _marts(fresh)
    assert set(incremental) == set(rebuilt)
    for name in rebuilt:
        assert incremental[name] == rebuilt[name], name
    assert incremental["marts.run_cost"] and incremental["marts.energy"]  # a real comparison


def test_full_refresh_reloads_everything_and_period_forces_one(cli: Any, tmp_path: Path) -> None:
    _scenario(tmp_path)
    assert cli("run").exit_code == 0
    before = _loads(tmp_path)
    forced = cli("run", "--period", "2026-10")
    assert forced.exit_code == 0, forced.output
    assert "bills 2026-10: loaded 1 rows" in forced.output
    assert "Rebuilding SQL models" in forced.output
    everything = cli("run", "--full-refresh")
    assert everything.exit_code == 0, everything.output
    after = _loads(tmp_path)
    # every partition once more: both periods, the telemetry day, the Slurm day
    assert len(after) == len(before) + 1 + len(before)
    assert "Rebuilding SQL models" in everything.output


def test_on_a_parquet_store_a_rerun_loads_nothing_and_a_new_day_loads_alone(
    cli: Any, tmp_path: Path
) -> None:
    """The same rule where loads swap partitions into a store (fingerprints, files read and the
    last build are store tables there)."""
    _scenario(tmp_path)
    body = yaml.safe_load((tmp_path / "aispend.yaml").read_text())
    (tmp_path / "aispend.yaml").write_text(yaml.safe_dump({**body, "store": "store"}))
    first = cli("run")
    assert first.exit_code == 0, first.output
    again = cli("run")
    assert again.exit_code == 0, again.output
    assert "Nothing new since the last run" in again.output
    _smi(tmp_path / "logs" / "n1_2026-10-03.csv", "2026-10-03", 50, 300)
    third = cli("run")
    assert third.exit_code == 0, third.output
    assert "0 (source, period) partition(s) new or changed" in third.output
    assert "smi: 1 day(s), 12 GPU samples, 0 jobs; 0 unreadable line(s) skipped; 1 unchanged" in (
        third.output
    )
    assert "Rebuilding SQL models" in third.output
    days = cli(
        "sql", "--format", "csv", "select count(distinct day) from raw.gpu_samples"
    ).output.splitlines()
    assert days[1] == "2"


def test_a_new_file_that_cannot_be_read_fails_the_rerun_and_keeps_the_days(
    cli: Any, tmp_path: Path
) -> None:
    """No day changes, so nothing loads; the cut-off file is still named and the run fails."""
    _scenario(tmp_path)
    assert cli("run").exit_code == 0
    truncated = ROOT / "tests" / "data" / "conformance" / "nvidia_smi" / "truncated" / "gpu.csv.gz"
    (tmp_path / "logs" / "n9_2026-10-02.csv.gz").write_bytes(truncated.read_bytes())
    result = cli("run")
    assert result.exit_code == 1, result.output
    failed = [line for line in result.output.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "n9_2026-10-02.csv.gz" in failed[0], failed
    assert "Traceback" not in result.output
    samples = cli("sql", "--format", "csv", "select count(*) from raw.gpu_samples")
    assert samples.output.splitlines()[1] == "12"  # n1's twelve samples, kept


def test_changed_days_load_in_runs_of_consecutive_days() -> None:
    """Dagster records an event for every day of a run's range: a late file for an old day and
    tonight's new day are two runs of a day each, not one over every day between them."""
    from aispend.cli.run_telemetry import consecutive_blocks

    days = ["2024-11-02", "2026-10-21", "2026-10-22", "2026-11-01"]
    assert consecutive_blocks(days) == [
        ["2024-11-02"],
        ["2026-10-21", "2026-10-22"],
        ["2026-11-01"],
    ]
    assert consecutive_blocks([]) == []
