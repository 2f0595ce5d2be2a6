"""A telemetry file is parsed once: later runs reuse what it gave (aispend/telemetry_archive.py)
and parse only new or changed files, and the warehouse still equals a full rebuild.

On the real nvidia-smi captures and dcgm-exporter scrapes of tests/data; every parse is counted
by recording the files the readers are handed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from aispend.telemetry_load import _STAGED
from connectors.telemetry.dcgm.reader import DcgmReader
from connectors.telemetry.kubernetes.reader import KubernetesReader
from connectors.telemetry.nvidia_smi.reader import NvidiaSmiReader
from tests.conftest import DATA

SMI = DATA / "conformance" / "nvidia_smi"
DCGM = DATA / "conformance" / "dcgm"
CAPTURE = DATA / "nvidia" / "nvidia-smi_query-gpu_loop_1s_with_load.csv"
SACCT = (
    "JobID|User|Account|Start|End|Elapsed|State|AllocTRES|NodeList|JobName\n"
    "1|ann|research|2026-11-23T03:40:00|2026-11-23T03:45:00|00:05:00|COMPLETED|gres/gpu=1|"
    "h100-a|train-1\n"
    "2|ann|research|2026-11-24T03:40:00|2026-11-24T03:45:00|00:05:00|COMPLETED|gres/gpu=1|"
    "h100-a|train-2\n"
)


@pytest.fixture
def run(cli: Any) -> Any:
    """``aispend ...`` as a process of its own would run it: CliRunner runs every command in
    this process, where the staging of the last run would otherwise be kept (telemetry_load)."""

    def invoke(*args: str) -> Any:
        _STAGED.clear()
        return cli(*args)

    return invoke


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the readers parse, in order, across runs."""
    seen: list[str] = []
    for reader in (NvidiaSmiReader, DcgmReader, KubernetesReader):
        original = reader.read

        def read(self: Any, ref: Any, path: Path, out: Any, original: Any = original) -> None:
            seen.append(ref.name)
            original(self, ref, path, out)

        monkeypatch.setattr(reader, "read", read)
    return seen


def _next_day(path: Path, lines: int | None = None) -> None:
    """The real 1 s capture a day later (2026-11-24); ``lines`` keeps only that many samples."""
    text = CAPTURE.read_text().replace("2026/11/23", "2026/11/24").splitlines(keepends=True)
    path.write_text("".join(text[: (lines + 1) if lines else None]))


def _config(folder: Path, warehouse: str = "wh.duckdb", timezone: str = "UTC") -> str:
    name = "aispend.yaml" if warehouse == "wh.duckdb" else f"{Path(warehouse).stem}.yaml"
    (folder / name).write_text(
        yaml.safe_dump(
            {
                "warehouse": warehouse,
                "sources": [
                    {"name": "smi", "kind": "nvidia_smi", "path": "logs", "timezone": timezone},
                    {"name": "dcgm", "kind": "dcgm", "path": "dcgm"},
                    {"name": "slurm", "kind": "slurm", "path": "sacct.txt", "timezone": "UTC"},
                ],
            }
        )
    )
    return name


def _scenario(folder: Path) -> None:
    """Host h100-a on 2026-11-23: the 1 s loop, dmon and compute apps as rotated logs leave
    them (gzip), one dcgm-exporter scrape, and its Slurm jobs."""
    logs = folder / "logs" / "h100-a"
    logs.mkdir(parents=True)
    for name in (
        "nvidia-smi_query-gpu_loop_1s_with_load.csv.gz",
        "nvidia-smi_dmon.txt.gz",
        "nvidia-smi_query-compute-apps_loop.csv.gz",
    ):
        shutil.copy(SMI / name, logs / name)
    (folder / "dcgm").mkdir()
    shutil.copy(DCGM / "dcgm-exporter_2026-11-23T034110Z.prom", folder / "dcgm")
    (folder / "sacct.txt").write_text(SACCT)
    _config(folder)


def _tables(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every loaded and modelled table's rows, sorted (meta is bookkeeping, not content)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where schema_name in ('raw', 'staging', 'marts') "
                "and table_name <> 'budget_status' order by 1"
            ).fetchall()
        ]
        return {
            name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
            for name in names
        }
    finally:
        con.close()


def _sql(folder: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(folder / "wh.duckdb"), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _entries(folder: Path, source: str) -> set[str]:
    """The archive's entries the manifest names; the folder holds those and nothing else."""
    archive = folder / "wh.telemetry" / source
    manifest = json.loads((archive / "manifest.json").read_text())
    named = {entry["key"] for entry in manifest["entries"]}
    assert {p.name for p in archive.iterdir()} == named | {"manifest.json"}
    return named


def test_a_new_file_alone_is_parsed_and_the_warehouse_equals_a_full_rebuild(
    run: Any, tmp_path: Path, parses: list[str]
) -> None:
    _scenario(tmp_path)
    first = run("run")
    assert first.exit_code == 0, first.output
    assert "smi: parsed 3 new or changed file(s), 0 unchanged reused" in first.output
    assert len(parses) == 4  # three nvidia-smi logs and one scrape
    assert len(_entries(tmp_path, "smi")) == 3

    parses.clear()
    _next_day(tmp_path / "logs" / "h100-a" / "nvidia-smi_query-gpu_2026-11-24.csv")
    shutil.copy(DCGM / "mig_2026-11-23T034140Z.prom", tmp_path / "dcgm")
    second = run("run")
    assert second.exit_code == 0, second.output
    assert sorted(parses) == ["mig_2026-11-23T034140Z.prom", "nvidia-smi_query-gpu_2026-11-24.csv"]
    assert "smi: parsed 1 new or changed file(s), 3 unchanged reused" in second.output
    assert "dcgm: parsed 1 new or changed file(s), 1 unchanged reused" in second.output
    assert "smi: 1 day(s), 21 GPU samples" in second.output  # the new day only
    assert len(_entries(tmp_path, "smi")) == 4

    parses.clear()
    fresh = _config(tmp_path, "fresh.duckdb")
    rebuilt = run("--config", fresh, "run", "--full-refresh")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert len(parses) == 6  # its own archive: every file parsed
    incremental, full = _tables(tmp_path / "wh.duckdb"), _tables(tmp_path / "fresh.duckdb")
    assert set(incremental) == set(full)
    for name in full:
        assert incremental[name] == full[name], name
    # a real comparison: both days' samples, the processes, the runs priced by their GPU time
    assert len(incremental["raw.gpu_samples"]) > 42 and incremental["raw.gpu_processes"]
    assert len(incremental["marts.runs"]) == 2 and incremental["staging.run_gpu_hours"]


def test_a_file_rewritten_in_place_is_parsed_again_and_a_deleted_one_leaves(
    run: Any, tmp_path: Path, parses: list[str]
) -> None:
    _scenario(tmp_path)
    day = tmp_path / "logs" / "h100-a" / "nvidia-smi_query-gpu_2026-11-24.csv"
    _next_day(day)
    assert run("run").exit_code == 0
    count = "select count(*) from raw.gpu_samples where day = '2026-11-24'"
    assert _sql(tmp_path, count) == [(21,)]

    parses.clear()
    _next_day(day, lines=5)  # the same name, other bytes
    rewritten = run("run")
    assert rewritten.exit_code == 0, rewritten.output
    assert parses == [day.name]
    assert _sql(tmp_path, count) == [(5,)]
    assert "1 unchanged day(s) not reloaded" in rewritten.output

    parses.clear()
    dmon = "select count(*) from raw.gpu_samples where x_source_file like '%dmon%'"
    assert _sql(tmp_path, dmon)[0][0] > 0
    before = _entries(tmp_path, "smi")
    (tmp_path / "logs" / "h100-a" / "nvidia-smi_dmon.txt.gz").unlink()
    deleted = run("run")
    assert deleted.exit_code == 0, deleted.output
    assert parses == []
    assert "smi: parsed 0 new or changed file(s), 3 unchanged reused" in deleted.output
    assert _sql(tmp_path, dmon) == [(0,)]
    assert _sql(tmp_path, count) == [(5,)]  # the other day untouched
    after = _entries(tmp_path, "smi")
    assert len(after) == 3 and after < before  # its entry removed from the archive


def test_a_changed_setting_parses_every_file_again(
    run: Any, tmp_path: Path, parses: list[str]
) -> None:
    _scenario(tmp_path)
    assert run("run").exit_code == 0
    first = "select min(ts) from raw.gpu_samples where x_source = 'smi'"
    utc = _sql(tmp_path, first)[0][0]

    parses.clear()
    _config(tmp_path, timezone="America/New_York")
    result = run("run")
    assert result.exit_code == 0, result.output
    assert sorted(parses) == sorted(p.name for p in (tmp_path / "logs" / "h100-a").iterdir())
    assert "smi: parsed 3 new or changed file(s), 0 unchanged reused" in result.output
    assert "dcgm: no file new or changed" in result.output
    # host-local 03:40 in New York (EST, UTC-5) is 08:40 UTC
    assert (_sql(tmp_path, first)[0][0] - utc).total_seconds() == 5 * 3600


def test_skipped_lines_fail_every_run_and_an_unreadable_file_is_retried(
    run: Any, tmp_path: Path, parses: list[str]
) -> None:
    _scenario(tmp_path)
    bad = tmp_path / "logs" / "h100-a" / "nvidia-smi_query-gpu_2026-11-24.csv"
    _next_day(bad)
    lines = bad.read_text().splitlines(keepends=True)
    bad.write_text("".join([*lines[:4], "cut off\n", *lines[4:]]))  # file line 5
    first = run("run")
    assert first.exit_code == 1, first.output
    failed = f"smi: FAILED lines: {bad}, row 5"
    assert failed in first.output

    parses.clear()
    again = run("run")  # nothing new: reused, still failing, naming the same line
    assert again.exit_code == 1, again.output
    assert parses == []
    assert "smi: parsed 0 new or changed file(s), 4 unchanged reused" in again.output
    assert failed in again.output

    bad.write_text("".join(lines))  # fixed
    truncated = tmp_path / "logs" / "h100-b" / "gpu.csv.gz"
    truncated.parent.mkdir()
    shutil.copy(SMI / "truncated" / "gpu.csv.gz", truncated)
    for attempt in range(2):
        parses.clear()
        result = run("run")
        assert result.exit_code == 1, result.output
        assert "gpu.csv.gz" in parses  # read again each run, never taken from the archive
        # the first run also parses the fixed file, changed in place
        assert parses == ([bad.name, "gpu.csv.gz"] if attempt == 0 else ["gpu.csv.gz"])
        unreadable = [line for line in result.output.splitlines() if "FAILED" in line]
        assert len(unreadable) == 1 and str(truncated) in unreadable[0], unreadable
    assert _sql(tmp_path, "select count(*) from raw.gpu_samples where day = '2026-11-24'") == [
        (21,)
    ]

    truncated.unlink()
    parses.clear()
    clean = run("run")
    assert clean.exit_code == 0, clean.output
    assert parses == []


def test_a_killed_run_leaves_a_whole_manifest_and_an_old_archive_is_rebuilt(
    run: Any, tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario(tmp_path)
    # an archive in the earlier layout (<source>/<day>/NNNNNN.parquet): never read, rebuilt
    old = tmp_path / "wh.telemetry" / "smi" / "2026-11-23"
    old.mkdir(parents=True)
    (old / "000000.parquet").write_bytes(b"not what this version wrote")
    original = NvidiaSmiReader.read

    def killed(self: Any, ref: Any, path: Path, out: Any) -> None:
        if "loop_1s" in ref.name:
            raise KeyboardInterrupt  # the run dies inside its third and last file
        original(self, ref, path, out)

    monkeypatch.setattr(NvidiaSmiReader, "read", killed)
    assert run("run").exit_code != 0
    archive = tmp_path / "wh.telemetry" / "smi"
    manifest = json.loads((archive / "manifest.json").read_text())
    # the files parsed before the kill are kept; the one being parsed is not named
    assert [Path(e["files"][0]).name for e in manifest["entries"]] == [
        "nvidia-smi_dmon.txt.gz",
        "nvidia-smi_query-compute-apps_loop.csv.gz",
    ]
    for entry in manifest["entries"]:  # every part it names is there, whole
        for _, part, _ in entry["parts"]:
            assert (archive / entry["key"] / part).is_file()
    assert not old.exists()
    assert [p for p in archive.iterdir() if p.name.endswith(".partial")]  # what the kill left

    monkeypatch.setattr(NvidiaSmiReader, "read", original)
    parses.clear()
    result = run("run")
    assert result.exit_code == 0, result.output
    assert "smi: parsed 1 new or changed file(s), 2 unchanged reused" in result.output
    assert parses == [
        "nvidia-smi_query-gpu_loop_1s_with_load.csv.gz",
        "dcgm-exporter_2026-11-23T034110Z.prom",
    ]
    _entries(tmp_path, "smi")  # the partial folder swept
    fresh = _config(tmp_path, "fresh.duckdb")
    assert run("--config", fresh, "run").exit_code == 0
    assert _tables(tmp_path / "wh.duckdb") == _tables(tmp_path / "fresh.duckdb")


def test_kubernetes_snapshots_are_still_parsed_together(
    run: Any, tmp_path: Path, parses: list[str]
) -> None:
    """A pod's run is made from every snapshot that saw it: one new or touched snapshot parses
    them all again, and the runs come out as from a fresh warehouse."""
    cluster = DATA / "conformance" / "kubernetes" / "cluster"
    shutil.copytree(cluster, tmp_path / "k8s")
    newest = tmp_path / "k8s" / "pods-2026-11-03T12-00-00Z.json.gz"
    newest.unlink()  # arrives later
    config = {
        "warehouse": "wh.duckdb",
        "sources": [{"name": "k8s", "kind": "kubernetes", "path": "k8s"}],
    }
    (tmp_path / "aispend.yaml").write_text(yaml.safe_dump(config))
    first = run("run")
    assert first.exit_code == 0, first.output
    assert len(parses) == 2
    running = "select count(*) from marts.runs where ended_at is null"
    open_before = _sql(tmp_path, running)[0][0]

    parses.clear()
    shutil.copy(cluster / newest.name, newest)
    second = run("run")
    assert second.exit_code == 0, second.output
    assert sorted(parses) == sorted(p.name for p in (tmp_path / "k8s").iterdir())
    assert "k8s: parsed 3 new or changed file(s), 0 unchanged reused" in second.output
    assert len(_entries(tmp_path, "k8s")) == 1  # one entry for the source's files together
    # the 12:00 snapshot ends pods seen running at 10:00 only
    assert _sql(tmp_path, running)[0][0] < open_before

    (tmp_path / "fresh.yaml").write_text(yaml.safe_dump({**config, "warehouse": "fresh.duckdb"}))
    assert run("--config", "fresh.yaml", "run").exit_code == 0
    # a run still open is costed up to now, which moves between the two builds
    still_open = {
        r[0] for r in _sql(tmp_path, "select run_id from marts.runs where ended_at is null")
    }
    closed = [
        {name: [r for r in rows if r[0] not in still_open] for name, rows in _tables(wh).items()}
        for wh in (tmp_path / "wh.duckdb", tmp_path / "fresh.duckdb")
    ]
    assert still_open and closed[0] == closed[1]
    assert closed[0]["raw.k8s_pods"] and closed[0]["marts.run_cost"]
