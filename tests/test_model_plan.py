"""Which models a build redoes, and from when (dbt_like/plan.py, aispend/model_plan.py), on the
project's own SQL models."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from aispend.model_plan import TELEMETRY_TABLES, load_changes
from aispend.sql_models import sql_project
from dbt_like.plan import EVERYWHERE, KEEP, Planner, build_plan
from dbt_like.project import ProjectError, parse_file

DAY = datetime(2026, 10, 21)
PROJECT = sql_project()
EVERY_MODEL = set(PROJECT.models)
VIEWS = {n for n, node in PROJECT.models.items() if node.materialized == "view"}


def test_a_new_telemetry_day_rebuilds_the_sample_models_from_the_day_before_and_keeps_billing() -> (
    None
):
    plan = build_plan(PROJECT, load_changes(["2026-10-21"]), EVERY_MODEL)
    assert plan["staging.gpu_sample_spans"] == DAY - timedelta(days=1)  # its lookback
    assert plan["staging.run_gpu_hours"] == DAY - timedelta(days=1)  # from what it reads
    assert plan["staging.host_energy_hours"] == DAY - timedelta(days=1)
    assert plan["marts.gpu_usage"] == DAY - timedelta(days=1)
    assert plan["marts.run_cost"] is None  # not incremental: rebuilt whole
    for kept in ("marts.cost_by_provider", "marts.cost_by_service_daily", "marts.ai_usage"):
        assert kept not in plan  # nothing it reads changed


def test_a_restated_period_rebuilds_what_reads_the_bill_and_keeps_the_spans() -> None:
    plan = build_plan(PROJECT, load_changes(["2026-09"]), EVERY_MODEL)
    assert plan["marts.cost_by_provider"] == datetime(2026, 9, 1)  # from the period on
    assert plan["marts.cost_by_service_daily"] == datetime(2026, 9, 1)
    assert plan["marts.savings"] is None  # not incremental: whole
    assert "staging.gpu_sample_spans" not in plan and "marts.gpu_usage" not in plan
    # GPU attribution reads only the scheduled runs, which no bill changes
    assert "staging.run_gpu_hours" not in plan and "staging.scheduled_runs" not in plan
    assert plan["staging.runs"] is None  # runs known from billing tags are in it


def test_nothing_loaded_rebuilds_only_the_views_and_a_missing_table_is_built_whole() -> None:
    assert set(build_plan(PROJECT, {}, EVERY_MODEL)) == VIEWS
    plan = build_plan(PROJECT, {}, EVERY_MODEL - {"staging.gpu_sample_spans"})
    # built whole, and so is every incremental model that reads it
    assert plan["staging.gpu_sample_spans"] is None and plan["staging.run_gpu_hours"] is None
    assert "marts.gpu_usage" not in plan


def test_full_refresh_and_unplaceable_loads_rebuild_everything_whole() -> None:
    assert build_plan(PROJECT, {}, EVERY_MODEL, full=True) == dict.fromkeys(PROJECT.models)
    changes = load_changes(["unreadable files", "2026-10-21"])
    assert changes == dict.fromkeys(["marts.cost_lines", *TELEMETRY_TABLES], EVERYWHERE)
    plan = build_plan(PROJECT, changes, EVERY_MODEL)
    assert plan["staging.gpu_sample_spans"] is None


def test_a_model_by_billing_period_is_rebuilt_from_the_first_of_the_month() -> None:
    """A late file for 2026-10-21 changes the raw tables from that day; a model by billing
    period that reads them starts over at 2026-10 (its rows are whole months)."""
    period_model = PROJECT.models["marts.cost_by_provider"]
    assert period_model.by_month and period_model.incremental_by == "billing_period"
    plan = build_plan(PROJECT, {"marts.cost_lines": DAY}, EVERY_MODEL)
    assert plan["marts.cost_by_provider"] == datetime(2026, 10, 1)
    assert plan["marts.cost_by_service_daily"] == DAY  # by day: from the day itself


def test_an_incremental_model_must_keep_to_range_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.sql"
    path.write_text("-- model: staging.m\n-- incremental_by: ts\nselect ts from raw.t\n")
    with pytest.raises(ProjectError, match="range_start"):
        parse_file(path, is_check=False)
    path.write_text(
        "-- model: staging.m\n-- incremental_by: ts\n-- lookback: a while\n"
        "select ts from raw.t where ts >= $range_start\n"
    )
    with pytest.raises(ProjectError, match="lookback"):
        parse_file(path, is_check=False)


def test_a_timeless_model_whose_rows_came_out_the_same_changes_none_of_its_readers() -> None:
    """staging.host_resources maps hosts to billed resources, at no time: rebuilt because a new
    day of telemetry came, it changes its readers everywhere, unless its rows are the same."""
    same = Planner(PROJECT, load_changes(["2026-10-21"]), EVERY_MODEL)
    for name in ("staging.host_resources", "staging.gpu_resource_carbon"):
        assert same.decide(name) is None
        same.built(name, rows_unchanged=True)
    assert same.decide("staging.gpu_billed_hours") == KEEP
    assert same.decide("marts.energy") == DAY - timedelta(days=1)  # runs' and hosts' energy

    changed = Planner(PROJECT, load_changes(["2026-10-21"]), EVERY_MODEL)
    for name in ("staging.host_resources", "staging.gpu_resource_carbon"):
        changed.decide(name)
        changed.built(name, rows_unchanged=False)
    assert changed.decide("staging.gpu_billed_hours") is None
    assert changed.decide("marts.energy") is None
    assert changed.decide("marts.idle_waste") is None


def test_a_restated_period_rebuilds_the_billed_hours_from_its_start() -> None:
    planner = Planner(PROJECT, load_changes(["2026-09"]), EVERY_MODEL)
    planner.decide("staging.host_resources")
    planner.built("staging.host_resources", rows_unchanged=True)
    assert planner.decide("staging.gpu_billed_hours") == datetime(2026, 9, 1)
    assert planner.decide("marts.idle_waste") == datetime(2026, 9, 1)
