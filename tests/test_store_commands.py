"""A parquet store used as a user would: `aispend run`, budgets, status and ad hoc SQL on a
folder and on S3 (a moto server over HTTP), and a Dagster run loading sources in parallel."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from dagster import AssetKey, DagsterEventType, DagsterInstance, execute_job, reconstructable

from aispend.config import load_config
from pipelines.definitions import LOAD_JOB, build_definitions
from tests.conftest import month_rows, write_focus
from tests.test_spark_engine import write_demo_config

RUN_COST = "select run_name, gpu_hours, cost, idle_cost from marts.run_cost order by run_id"
HAND_WORKED = [
    ["llm-pretrain", 64, 160, 20],
    ["eval-a", 16, 40, 10],
    ["eval-b", 16, 40, 10],
    ["llm-finetune", 44, 198, 0],
    ["finetune-x", 20, 27.5, None],
]


def sql_rows(cli: Any, config: Path, query: str) -> list[list[Any]]:
    result = cli("--config", str(config), "sql", "--format", "json", query)
    assert result.exit_code == 0, result.output
    return [list(row.values()) for row in json.loads(result.output)]


def test_budgets_alert_once_and_status_reads_a_local_store(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = write_demo_config(
        tmp_path,
        store="lake",
        budgets=[
            {
                "name": "aws",
                "scope": {"provider": "AWS"},
                "amount": 500,
                "currency": "USD",
                "thresholds": [{"percent": 100}],
                "notify": ["log"],
            }
        ],
        alerts={"log": {"kind": "file", "path": "alerts.jsonl"}},
    )
    result = cli("--config", str(config), "run")
    assert result.exit_code == 0, result.output
    assert "Warehouse: parquet store" in result.output
    assert sql_rows(cli, config, RUN_COST) == HAND_WORKED
    for _ in range(2):  # the scenario's AWS bill for 2026-10 is 777.50 > 500: alert once
        checked = cli(
            "--config",
            str(config),
            "budgets",
            "check",
            "--period",
            "2026-10",
            "--as-of",
            "2026-10-17",
        )
        assert checked.exit_code == 0, checked.output
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["actual"] == "777.5000000000"
    assert sql_rows(cli, config, "select status, attempts from meta.alerts") == [["sent", 1]]
    status = cli("--config", str(config), "status")
    assert status.exit_code == 0 and "scenario_bill" in status.output
    assert not list((tmp_path / "lake" / "_staging").glob("*.parquet"))


def test_an_s3_store_loads_restates_and_answers(
    tmp_path: Path,
    cli,
    s3_endpoint: str,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="lake-restate")
    config = tmp_path / "aispend.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "store": "s3://lake-restate/aispend",
                "sources": [{"name": "bills", "kind": "focus", "path": "bills"}],
            }
        )
    )
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["1.00", "2.00", "3.00"]))
    assert cli("--config", str(config), "run").exit_code == 0
    write_focus(tmp_path / "bills" / "oct.csv", month_rows("2026-10", ["5.00", "0.25"]))
    result = cli("--config", str(config), "run", "--period", "2026-10")
    assert result.exit_code == 0, result.output
    query = "select x_billing_period, count(*), sum(billed_cost) from marts.cost_lines group by 1"
    assert sql_rows(cli, config, query) == [["2026-10", 2, 5.25]]
    assert sql_rows(
        cli, config, "select billing_period, billed_cost from marts.cost_by_provider"
    ) == [["2026-10", 5.25]]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake-restate")["Contents"]]
    assert "aispend/cost_lines/x_billing_period=2026-10/x_source=bills/part-0.parquet" in keys
    assert [k for k in keys if k.startswith("aispend/cost_lines/")] == [
        "aispend/cost_lines/x_billing_period=2026-10/x_source=bills/part-0.parquet"
    ]
    assert not [k for k in keys if "_staging" in k]


def load_job() -> Any:
    """The nightly load job of the config in $AISPEND_CONFIG (a code pointer for the processes
    Dagster's multiprocess executor starts)."""
    config = load_config(os.environ["AISPEND_CONFIG"])
    return build_definitions(config).resolve_job_def(LOAD_JOB)


def test_dagster_loads_a_periods_sources_in_parallel_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = [{"name": name, "kind": "focus", "path": name} for name in ("east", "west")]
    config = tmp_path / "aispend.yaml"
    config.write_text(yaml.safe_dump({"store": "lake", "sources": sources}))
    write_focus(tmp_path / "east" / "oct.csv", month_rows("2026-10", ["1.00", "2.00"]))
    write_focus(tmp_path / "west" / "oct.csv", month_rows("2026-10", ["4.00"]))
    monkeypatch.setenv("AISPEND_CONFIG", str(config))
    keys = [AssetKey(["billing", "east"]), AssetKey(["billing", "west"])]
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        result = execute_job(
            reconstructable(load_job),
            instance,
            asset_selection=keys,
            tags={"dagster/partition": "2026-10"},
        )
        assert result.success
        loads = [
            e
            for e in result.all_events
            if e.step_key in ("billing__east", "billing__west")
            and e.event_type in (DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS)
        ]
    order = [e.event_type for e in loads]
    # Both loads started before either finished, each in a process of its own.
    assert order[:2] == [DagsterEventType.STEP_START] * 2, order
    assert len({e.pid for e in loads if e.event_type == DagsterEventType.STEP_START}) == 2
    folder = tmp_path / "lake" / "cost_lines" / "x_billing_period=2026-10"
    assert sorted(p.name for p in folder.iterdir()) == ["x_source=east", "x_source=west"]
