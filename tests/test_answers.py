"""Run cost, idle waste and their reconciliation on small worlds, worked by hand."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

from aispend.config import load_config
from aispend.warehouse import writer
from dbt_like import discover, run_check
from pipelines.definitions import SQL_DIR, model_params
from tests.answer_scenarios import hourly, write_bill, write_config, write_gpu_log, write_sacct


def query(cli: Any, sql: str) -> list[dict[str, Any]]:
    import json

    result = cli("sql", "--format", "json", sql)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def run_ok(cli: Any) -> str:
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert ", 0 failed; checks:" in result.output and " 0 failed." in result.output, result.output
    return result.output  # type: ignore[no-any-return]


def test_two_runs_share_a_node_by_the_gpus_they_hold(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # n1: p4d.24xlarge (8 GPUs) billed 10:00-12:00 at $16.00 an hour = $2.00 per GPU-hour.
    # Run a holds 6 GPUs 10:00-12:00; run b holds 2 GPUs 10:30-11:30 (crossing 11:00).
    write_bill(tmp_path, hourly("i-01", 10, 11, "16.00", name="n1", instance_type="p4d.24xlarge"))
    write_gpu_log(tmp_path, "n1", 8, 10 * 60, 12 * 60 - 1, lambda minute, gpu: 50)
    write_sacct(
        tmp_path,
        [
            ("1", "a", "n1", 6, "10:00", "12:00", "COMPLETED"),
            ("2", "b", "n1", 2, "10:30", "11:30", "COMPLETED"),
        ],
    )
    write_config(tmp_path)
    run_ok(cli)
    runs = query(
        cli,
        "select run_name, gpu_hours, cost, cost_per_gpu_hour, idle_cost "
        "from marts.run_cost order by run_name",
    )
    # a: 6 GPUs x 2 h x $2 = $24; b: 2 GPUs x 1 h x $2 = $4 (30 min in each billed hour)
    assert [(r["run_name"], r["gpu_hours"], D(str(r["cost"]))) for r in runs] == [
        ("a", 12.0, D("24")),
        ("b", 2.0, D("4")),
    ]
    assert all(D(str(r["cost_per_gpu_hour"])) == 2 and D(str(r["idle_cost"])) == 0 for r in runs)
    waste = query(cli, "select kind, gpu_hours, cost from marts.idle_waste")
    # billed 16 GPU-hours ($32): 12 + 2 held, 2 unallocated = $4.00 (GPUs 6-7 outside 10:30-11:30)
    assert [(w["kind"], w["gpu_hours"], D(str(w["cost"]))) for w in waste] == [
        ("unallocated", 2.0, D("4"))
    ]


def test_a_daily_line_spreads_over_its_hours_and_config_maps_the_host(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # One daily row (as Azure writes) of $48.00 for a VM the bill names only by its id and
    # whose size aispend does not know; the config says it is host gpu7 with 4 GPUs.
    # $48 / (4 GPUs x 24 h) = $0.50 per GPU-hour. The run holds 4 GPUs 06:00-08:00.
    vm = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm7"
    day = hourly(vm, 0, 0, "48.00")[0] | {
        "ChargePeriodEnd": "2026-10-06T00:00:00Z",
        "ConsumedQuantity": "24",
    }
    write_bill(tmp_path, [day])
    write_gpu_log(
        tmp_path,
        "gpu7",
        4,
        6 * 60,
        8 * 60 - 1,
        lambda minute, gpu: 0 if minute >= 7 * 60 + 30 else 90,
    )
    write_sacct(tmp_path, [("9", "train", "gpu7", 4, "06:00", "08:00", "COMPLETED")])
    write_config(tmp_path, hosts=[{"host": "gpu7", "resource_id": vm, "gpus": 4}])
    run_ok(cli)
    run = query(
        cli, "select gpu_hours, cost, idle_gpu_hours, idle_cost, gpu_util_mean from marts.run_cost"
    )[0]
    # 8 GPU-hours x $0.50 = $4.00; idle 07:30-08:00 on 4 GPUs = 2 GPU-hours = $1.00;
    # utilization (1.5 h x 90 %) / 2 h = 67.5 %
    assert (
        run["gpu_hours"],
        D(str(run["cost"])),
        run["idle_gpu_hours"],
        D(str(run["idle_cost"])),
        run["gpu_util_mean"],
    ) == (8.0, D("4"), 2.0, D("1"), 67.5)
    waste = {
        w["kind"]: (w["gpu_hours"], D(str(w["cost"])))
        for w in query(cli, "select kind, gpu_hours, cost from marts.idle_waste")
    }
    # 96 billed GPU-hours - 8 held = 88 unallocated = $44.00 (to the cent: the day's 24 hourly
    # shares of $2.00 add back to $48.00 exactly)
    assert waste == {"unallocated": (88.0, D("44")), "allocated_idle": (2.0, D("1"))}
    mapped = query(cli, "select host, matched_by, gpus from staging.host_resources")
    assert mapped == [{"host": "gpu7", "matched_by": "config", "gpus": 4.0}]


def test_a_run_nobody_billed_is_unpriced_not_free(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The bill covers n1 10:00-11:00 only; the run holds 8 GPUs 10:00-12:00.
    write_bill(tmp_path, hourly("i-01", 10, 10, "16.00", name="n1", instance_type="p4d.24xlarge"))
    write_sacct(
        tmp_path,
        [
            ("1", "long", "n1", 8, "10:00", "12:00", "COMPLETED"),
            ("2", "elsewhere", "n9", 1, "10:00", "11:00", "COMPLETED"),
        ],
    )
    write_config(tmp_path)
    run_ok(cli)
    runs = query(
        cli,
        "select run_name, gpu_hours, unpriced_gpu_hours, cost, cost_per_gpu_hour "
        "from marts.run_cost order by run_name",
    )
    assert [(r["run_name"], r["gpu_hours"], r["unpriced_gpu_hours"]) for r in runs] == [
        ("elsewhere", 1.0, 1.0),
        ("long", 16.0, 8.0),
    ]
    assert runs[0]["cost"] is None and runs[0]["cost_per_gpu_hour"] is None
    # $16 for the 8 priced GPU-hours: $2.00 a GPU-hour, not $1.00 over all 16
    assert D(str(runs[1]["cost"])) == 16 and D(str(runs[1]["cost_per_gpu_hour"])) == 2


def test_runs_claiming_more_gpus_than_billed_split_the_bill(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Two jobs each claim all 8 GPUs of n1 in the same hour: they share the $16.00, never $32.
    write_bill(tmp_path, hourly("i-01", 10, 10, "16.00", name="n1", instance_type="p4d.24xlarge"))
    write_sacct(
        tmp_path,
        [
            ("1", "a", "n1", 8, "10:00", "11:00", "COMPLETED"),
            ("2", "b", "n1", 8, "10:00", "11:00", "COMPLETED"),
        ],
    )
    write_config(tmp_path)
    run_ok(cli)
    costs = query(cli, "select run_name, cost from marts.run_cost order by run_name")
    assert [D(str(r["cost"])) for r in costs] == [D("8"), D("8")]
    assert query(cli, "select count(*) as n from marts.idle_waste where cost <> 0") == [{"n": 0}]


def test_the_allocation_check_fails_when_a_run_is_priced_twice(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_bill(tmp_path, hourly("i-01", 10, 11, "16.00", name="n1", instance_type="p4d.24xlarge"))
    write_sacct(tmp_path, [("1", "a", "n1", 4, "10:00", "11:00", "COMPLETED")])
    write_config(tmp_path)
    run_ok(cli)
    config = load_config(tmp_path / "aispend.yaml")
    project = discover(SQL_DIR)
    check = next(c for c in project.checks if c.name == "host_cost_allocation")
    with writer(config.warehouse_path) as con:
        assert run_check(con, check, model_params(config)).passed
        con.execute("insert into staging.run_hour_cost select * from staging.run_hour_cost")
        outcome = run_check(con, check, model_params(config))
    assert not outcome.passed
    row = dict(zip(outcome.columns, outcome.sample[0], strict=True))
    # billed $32 = $8 charged to the run + $24 unallocated; the copy adds another $8
    assert (row["host"], row["billed"], row["allocated"], row["unallocated"]) == (
        "n1",
        D("32"),
        D("16"),
        D("24"),
    )


def test_savings_on_a_cur_export_worked_by_hand(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_config as write_sources
    from tests.cur_exports import legacy_csv_gz, legacy_layout

    legacy_layout(tmp_path / "exports", "cur", "2026-10", [legacy_csv_gz("2026-10")])
    write_sources(tmp_path, [{"name": "aws", "kind": "aws_cur", "path": "exports"}])
    run_ok(cli)
    got = {r["kind"]: r for r in query(cli, "select * from marts.savings")}
    # negotiated: p5 on demand, list 196.64 - net unblended 186.81 (EDP) = 9.83; the covered
    #   g5 (10.06), reserved p3 (15.30) and trn1 (21.50) lines save nothing on price.
    # commitment: SP-covered g5 10.06 - 6.00 = 4.06, reserved p3 15.30 - 12.50 = 2.80 = 6.86
    # commitment_unused: SP fee 100.00 - 6.00 used = 94.00, RI unused 3.00 + 2.00 = 5.00: -99.00
    # spot: p4d list 98.31 - 29.49 = 68.82
    assert {k: D(str(r["savings"])) for k, r in got.items()} == {
        "negotiated": D("9.83"),
        "commitment": D("6.86"),
        "commitment_unused": D("-99"),
        "spot": D("68.82"),
    }
    assert D(str(got["negotiated"]["list_cost"])) == D("243.50")
    assert D(str(got["commitment"]["contracted_cost"])) == D("25.36")
    assert abs(got["spot"]["savings_rate"] - 68.82 / 98.31) < 1e-6
    assert abs(got["commitment"]["savings_rate"] - 6.86 / 25.36) < 1e-6
    # no scheduler data, so no interruption is claimed
    assert got["spot"]["interruptions"] == 0
