"""The bundled demo scenario: its files are what the generator writes, and `aispend demo` gives
the answers worked by hand in aispend/demo_data/scenario/README.md."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from aispend.demo_scenario import SCENARIO_DIR, scenario_files


def rows(cli: Any, sql: str) -> list[tuple[Any, ...]]:
    result = cli("sql", "--format", "json", sql)
    assert result.exit_code == 0, result.output
    return [
        tuple(D(str(v)) if isinstance(v, float) else v for v in row.values())
        for row in json.loads(result.output)
    ]


def test_the_committed_files_are_what_the_generator_writes() -> None:
    for name, text in scenario_files().items():
        assert (SCENARIO_DIR / name).read_text(encoding="utf-8") == text, name


def test_demo_answers_equal_the_hand_worked_ones(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo")
    assert result.exit_code == 0, result.output
    for title in ("1. Cost per training run", "2. Idle GPU waste", "3. Spot and commitment"):
        assert title in result.output
    assert "CHECK FAILED" not in result.output

    assert rows(
        cli,
        "select run_name, basis, gpu_hours, cost, idle_gpu_hours, idle_cost, "
        "cost_per_gpu_hour, round(gpu_util_mean, 3), on_spot "
        "from marts.run_cost order by run_id",
    ) == [
        ("llm-pretrain", "scheduler", 64, 160, 8, 20, D("2.5"), D("83.125"), False),
        ("eval-a", "scheduler", 16, 40, 4, 10, D("2.5"), 60, False),
        ("eval-b", "scheduler", 16, 40, 4, 10, D("2.5"), 60, False),
        ("llm-finetune", "scheduler", 44, 198, 0, 0, D("4.5"), 90, True),
        ("finetune-x", "billing_tags", 20, D("27.5"), None, None, D("1.375"), None, False),
    ]
    assert rows(
        cli,
        "select day::varchar, gpu_resource, kind, gpu_hours, cost "
        "from marts.idle_waste where day = '2026-10-14' "
        "order by gpu_resource, kind",
    ) == [
        ("2026-10-14", "i-0d1b2c3d4e5f60004", "unobserved", 24, 24),
        ("2026-10-14", "train-a", "allocated_idle", 16, 40),
        ("2026-10-14", "train-a", "unallocated", 96, 240),
        ("2026-10-14", "train-b", "unallocated", 4, 18),
    ]
    assert rows(
        cli,
        "select kind, service_name, list_cost, contracted_cost, effective_cost, "
        "savings, savings_rate, interruptions, interrupted_gpu_hours "
        "from marts.savings where billing_period = '2026-10' order by kind",
    ) == [
        ("commitment", "Amazon Elastic Compute Cloud", 768, 768, 480, 288, D("0.375"), None, None),
        (
            "commitment_unused",
            "Savings Plans for AWS Compute usage",
            0,
            0,
            30,
            -30,
            None,
            None,
            None,
        ),
        ("negotiated", "Amazon Elastic Compute Cloud", 822, 819, 531, 3, D("0.00365"), None, None),
        ("spot", "Amazon Elastic Compute Cloud", 576, 216, 216, 360, D("0.625"), 1, 44),
    ]
    # runs + unallocated = the host's bill, per host (the host_cost_allocation check, by hand)
    assert rows(
        cli, "select host, sum(cost) from staging.run_hour_cost group by host order by host"
    ) == [("train-a", 240), ("train-b", 198)]
