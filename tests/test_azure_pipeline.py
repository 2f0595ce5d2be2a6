"""`aispend run` on a folder holding an EA period's actual and amortized exports: billed from the
actual file, effective from the amortized one, neither counted twice, checks green. (pytest names
the folder after the test, "..._amortized_...": only folders below the source root may say which
export a file is.)"""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal as D
from pathlib import Path

from tests.conftest import write_config

EA = Path(__file__).parent / "data" / "azure" / "ea"


def _file_total(path: Path) -> D:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum((D(r["Cost"]) for r in csv.DictReader(handle)), D(0))  # EA's older name


def test_actual_and_amortized_exports_load_once_each(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(EA, tmp_path / "exports")
    write_config(tmp_path, [{"name": "azure", "kind": "azure_cost", "path": "exports"}])
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "azure 2023-09: loaded 29 rows from 2 file(s); billed USD 8.55" in result.output
    assert ", 0 failed." in result.output  # cost_lines_reconcile against the actual file
    totals = json.loads(
        cli(
            "sql",
            "--format",
            "json",
            "select sum(billed_cost) as billed, sum(effective_cost) as effective "
            "from marts.cost_lines",
        ).output
    )[0]
    actual = _file_total(EA / "EA_ActualCost_Small.csv")
    amortized = _file_total(EA / "EA_AmortizedCost_Small.csv")
    assert abs(D(str(totals["billed"])) - actual) < D("0.000000001")
    assert abs(D(str(totals["effective"])) - amortized) < D("0.000000001")
    # reloading the period changes nothing
    again = cli("run", "--period", "2023-09")
    assert again.exit_code == 0, again.output
    assert json.loads(
        cli("sql", "--format", "json", "select count(*) as n from marts.cost_lines").output
    ) == [{"n": 29}]
