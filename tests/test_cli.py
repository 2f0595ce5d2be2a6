"""The CLI driven as a user drives it: demo, run, sql, status, models."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import month_rows, write_config, write_focus

# The bundled sample's own BilledCost sums per provider and period, summed from the CSV file.
SAMPLE_TOTALS = {
    ("AWS", "2024-09"): "18.0066386184",
    ("Microsoft", "2024-09"): "1.9765141858",
    ("Oracle", "2024-09"): "0.2970739247",
    ("Oracle", "2024-10"): "0.24",
}


def test_demo_prints_provider_totals_equal_to_the_export_and_sql_answers(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "aispend.duckdb").exists()
    lines = result.output.splitlines()
    for (provider, period), total in SAMPLE_TOTALS.items():
        [line] = [x for x in lines if x.startswith(provider) and f" {period} " in x]
        parts = line.split()  # provider period currency lines billed effective export equal
        assert (parts[4], parts[6], parts[7]) == (total, total, "yes"), line
    assert "CHECK FAILED" not in result.output

    answer = cli(
        "sql",
        "--format",
        "json",
        "select provider, sum(billed_cost) as billed from marts.cost_lines "
        "where x_source = 'focus_sample' group by provider order by provider",
    )
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output) == [
        {"provider": "AWS", "billed": 18.0066386184},
        {"provider": "Microsoft", "billed": 1.9765141858},
        {"provider": "Oracle", "billed": 0.5370739247},
    ]
    assert '"billed": 18.0066386184' in answer.output  # exact digits, not a float round trip


def test_sql_formats(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo").exit_code == 0
    query = (
        "select provider, count(*) as lines from marts.cost_lines "
        "where x_source = 'focus_sample' group by provider order by provider"
    )
    assert cli("sql", "--format", "csv", query).output.splitlines() == [
        "provider,lines",
        "AWS,942",
        "Microsoft,51",
        "Oracle,7",
    ]
    table = cli("sql", query).output.splitlines()
    assert table[0].split() == ["provider", "lines"]
    assert table[2].split() == ["AWS", "942"]
    assert table[-1] == "(3 rows)"


def test_sql_without_a_warehouse_says_how_to_build_one(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("sql", "select 1")
    assert result.exit_code == 1
    assert "aispend run" in result.output


def test_run_loads_good_partitions_and_names_the_bad_file_row_and_column(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bills = tmp_path / "bills"
    write_focus(bills / "oct.csv", month_rows("2026-10", ["10.10", "0.05"]))
    write_focus(bills / "nov.csv", month_rows("2026-11", ["3.00"]))
    write_config(tmp_path, [{"name": "focus_main", "kind": "focus", "path": "bills"}])
    first = cli("run")
    assert first.exit_code == 0, first.output
    assert "focus_main 2026-10: loaded 2 rows from 1 file(s); billed USD 10.15" in first.output

    rows = month_rows("2026-11", ["4.00", "3.00"])
    rows[1]["BilledCost"] = "3,00"
    write_focus(bills / "nov.csv", rows)
    write_focus(bills / "oct.csv", month_rows("2026-10", ["10.10", "0.05", "1.00"]))
    second = cli("run")
    assert second.exit_code == 1
    assert "focus_main 2026-10: loaded 3 rows" in second.output
    assert "focus_main 2026-11: FAILED, period kept as it was" in second.output
    assert (
        f"{bills / 'nov.csv'}, row 2, column 'BilledCost': a number expected, found '3,00'"
        in second.output
    )

    totals = cli(
        "sql",
        "--format",
        "csv",
        "select x_billing_period, sum(billed_cost) as billed from marts.cost_lines "
        "group by 1 order by 1",
    )
    assert totals.output.splitlines() == [
        "x_billing_period,billed",
        "2026-10,11.15",
        "2026-11,3.00",
    ]
    status = cli("status")
    assert status.exit_code == 0
    assert "focus_main 2026-11 failed (kept its last good load):" in status.output
    assert "row 2, column 'BilledCost': a number expected, found '3,00'" in status.output


def test_run_one_period_and_reject_a_bad_period(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bills = tmp_path / "bills"
    write_focus(bills / "oct.csv", month_rows("2026-10", ["1.00"]))
    write_focus(bills / "nov.csv", month_rows("2026-11", ["2.00"]))
    write_config(tmp_path, [{"name": "f", "kind": "focus", "path": "bills"}])
    result = cli("run", "--period", "2026-11")
    assert result.exit_code == 0, result.output
    assert "[1/1] period 2026-11" in result.output and "2026-10" not in result.output
    bad = cli("run", "--period", "2026-13")
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_models_lists_models_checks_and_dependencies(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("models")
    assert result.exit_code == 0
    assert "marts.cost_by_provider  [table]" in result.output
    assert "reads: marts.cost_lines" in result.output
    assert "cost_lines_reconcile  [error per source]  on marts.cost_lines" in result.output


def test_every_command_carries_an_example_and_the_console_script_runs() -> None:
    script = Path(sys.executable).parent / "aispend"
    top = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    commands = ["init", "run", "demo", "sql", "models", "status"]
    for command in commands:
        assert command in top.stdout
        sub = subprocess.run(
            [str(script), command, "--help"], capture_output=True, text=True, check=True
        )
        assert "Example:" in sub.stdout and "aispend" in sub.stdout
