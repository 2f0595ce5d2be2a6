"""The Dagster graph: loadable, scheduled over the open periods, with checks that can fail."""

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
from dagster import AssetKey, AssetSelection, build_schedule_context, materialize

from aispend.config import load_config
from dbt_like import discover
from pipelines.definitions import SQL_DIR, build_definitions, build_graph
from tests.conftest import FOCUS_SAMPLE, write_config


def _config(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_config(
        write_config(
            tmp_path,
            [
                {"name": "sample", "kind": "focus", "path": str(FOCUS_SAMPLE)},
                {"name": "later", "kind": "focus", "path": "later/", "enabled": False},
            ],
        )
    )


def test_definitions_hold_source_assets_models_checks_job_and_schedule(tmp_path: Path) -> None:
    defs = build_definitions(_config(tmp_path))
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {
        "billing/sample",
        "marts/cost_by_provider",
        "marts/cost_by_service_daily",
        "marts/untagged_gpu_spend",
        "staging/gpu_cost_lines",
        "marts/budget_status",
        "marts/gpu_usage",
        "staging/runs",
        "staging/scheduled_runs",
        "marts/runs",
        "marts/run_gpu_usage",
        "staging/gpu_sample_spans",
        "staging/gpu_samples",
        "meta/host_map",
        "meta/grid_intensity",
        "meta/cloud_pue",
        "meta/gpu_board_power",
        "staging/host_resources",
        "staging/host_energy_hours",
        "staging/gpu_resource_carbon",
        "marts/energy",
        "staging/gpu_billed_hours",
        "staging/run_gpu_hours",
        "staging/run_hour_cost",
        "marts/run_cost",
        "marts/idle_waste",
        "marts/savings",
        "staging/ai_cloud_lines",
        "marts/ai_usage",
        "reports/spend_report",
        "meta/reader_snapshot",
    }
    # the readers' snapshot is refreshed last, after every asset of a job
    snapshot = graph.get(AssetKey(["meta", "reader_snapshot"]))
    assert snapshot.parent_keys == {AssetKey(k.split("/")) for k in keys} - {snapshot.key}
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert checks == {
        ("billing/sample", "cost_lines_reconcile"),
        ("billing/sample", "cost_lines_required"),
        ("billing/sample", "export_totals"),
        ("marts/cost_by_provider", "cost_by_provider_totals"),
        ("marts/idle_waste", "host_cost_allocation"),
        ("marts/energy", "energy_accounted"),
        ("marts/ai_usage", "ai_usage_gaps"),
    }
    assert graph.get(AssetKey(["marts", "cost_by_provider"])).parent_keys == {
        AssetKey(["billing", "sample"])
    }
    assert graph.get(AssetKey(["staging", "host_resources"])).parent_keys == {
        AssetKey(["billing", "sample"]),
        AssetKey(["meta", "host_map"]),
        AssetKey(["staging", "gpu_samples"]),
    }
    job = defs.resolve_job_def("nightly_load")
    assert job.partitions_def is not None

    schedule = defs.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "0 2 * * *"
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 2))
    requests = list(schedule(context))  # type: ignore[arg-type, call-overload]
    assert [r.partition_key for r in requests] == ["2026-10", "2026-11"]


def test_dagster_loads_the_code_location_from_the_module(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, [{"name": "sample", "kind": "focus", "path": str(FOCUS_SAMPLE)}]
    )
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "pipelines"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "AISPEND_CONFIG": str(config),
            "DAGSTER_HOME": str(tmp_path),
            "PATH": str(dagster.parent),
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_asset_checks_fail_when_the_warehouse_disagrees_with_the_export(tmp_path: Path) -> None:
    config = _config(tmp_path)
    graph = build_graph(config)
    everything = [*graph.assets, *graph.checks]
    loaded = materialize(everything, partition_key="2024-09", selection=AssetSelection.all())
    assert loaded.success
    assert all(e.passed for e in loaded.get_asset_check_evaluations())

    # On purpose: one cost line off by a cent, and a mart row that no longer adds up.
    con = duckdb.connect(str(config.warehouse_path))
    con.execute(
        "update marts.cost_lines set billed_cost = billed_cost + 0.01 where x_source_row = 1"
    )
    con.execute(
        "update marts.cost_by_provider set billed_cost = billed_cost * 2 where provider = 'Oracle'"
    )
    con.close()
    source_checks = materialize(
        everything,
        raise_on_error=False,
        selection=AssetSelection.checks_for_assets(AssetKey(["billing", "sample"])),
    )
    model_checks = materialize(
        [
            *graph.model_assets,
            *[c for c in graph.checks if all(k.asset_key.path[0] == "marts" for k in c.check_keys)],
        ],
        raise_on_error=False,
        selection=AssetSelection.checks_for_assets(AssetKey(["marts", "cost_by_provider"])),
    )
    results = {
        e.check_name: e
        for run in (source_checks, model_checks)
        for e in run.get_asset_check_evaluations()
    }
    assert results["cost_lines_reconcile"].passed is False
    assert results["cost_lines_reconcile"].metadata["failing_rows"].value == 1
    assert results["cost_by_provider_totals"].passed is False
    assert results["cost_lines_required"].passed is True
    # Re-read from the export file by DuckDB: 2024-09 is off by the cent added above.
    export = results["export_totals"]
    assert export.passed is False
    assert export.metadata["periods_compared"].value == 1
    [mismatch] = export.metadata["mismatches"].value  # type: ignore[misc]
    assert (mismatch["period"], mismatch["in_files"]) == ("2024-09", "20.2802267289")


def test_sensor_requests_new_and_redelivered_periods_only(tmp_path: Path) -> None:
    from dagster import build_sensor_context

    from aispend.billing_load import load_billing_partition
    from tests.conftest import month_rows, write_focus

    bills = tmp_path / "bills"
    write_focus(bills / "aug.csv", month_rows("2026-08", ["1.00"]))
    write_focus(bills / "sep.csv", month_rows("2026-09", ["2.00"]))
    config = load_config(write_config(tmp_path, [{"name": "f", "kind": "focus", "path": "bills"}]))
    defs = build_definitions(config)
    sensor = defs.resolve_sensor_def("redelivered_periods")

    def requested() -> list[str]:
        context = build_sensor_context(repository_def=defs.get_repository_def())
        result = sensor.evaluate_tick(context)
        return sorted(r.partition_key or "" for r in result.run_requests or [])

    assert requested() == ["2026-08", "2026-09"]  # never loaded
    for period in ("2026-08", "2026-09"):
        load_billing_partition(config, config.sources[0], period)
    assert requested() == []
    write_focus(bills / "aug.csv", month_rows("2026-08", ["1.50"]))  # closed period re-delivered
    assert requested() == ["2026-08"]


def test_with_spark_the_models_are_one_step_and_keep_an_asset_each(tmp_path: Path) -> None:
    from pipelines.models.one_step import ONE_STEP, _upstream

    config = load_config(
        write_config(
            tmp_path,
            [{"name": "sample", "kind": "focus", "path": str(FOCUS_SAMPLE)}],
            engine="spark",
            store="lake",
        )
    )
    graph = build_graph(config)
    [step] = [a for a in graph.model_assets if a.node_def.name == ONE_STEP]
    assert AssetKey(["marts", "run_cost"]) in step.keys and len(step.keys) == 23  # every model
    assert step.can_subset
    assert {k.name for k in step.check_keys} == {
        "cost_by_provider_totals",
        "host_cost_allocation",
        "energy_accounted",
        "ai_usage_gaps",
    }
    project = discover(SQL_DIR)
    # a failing blocking check stops the models downstream of the model it guards, and only them
    upstream = _upstream(project, project.models["marts.run_cost"])
    assert {"staging.run_hour_cost", "staging.gpu_billed_hours", "staging.runs"} <= upstream
    assert "staging.run_hour_cost" not in _upstream(project, project.models["marts.savings"])
    # with DuckDB each model is a step of its own
    duck = build_graph(
        load_config(
            write_config(
                tmp_path,
                [{"name": "sample", "kind": "focus", "path": str(FOCUS_SAMPLE)}],
                store="lake",
            )
        )
    )
    assert not [a for a in duck.model_assets if a.node_def.name == ONE_STEP]
