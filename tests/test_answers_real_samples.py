"""The three marts on the real samples together: a FOCUS export, a CUR export in NOK, GCP and
Azure EA exports, an H100's nvidia-smi log and a Slurm cluster's sacct. They share no hosts, hours
or tags, so the answers are what such data can say: GPU bills with no telemetry are 'unobserved'
waste, GPU jobs with no bill are unpriced, and savings stay in their own currency. Expected values
are computed here from the raw files, not from what aispend loaded."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import yaml

from aispend.demo import DEMO_DATA

DATA = Path(__file__).parent / "data"
FOCUS_SAMPLE = DEMO_DATA / "focus" / "focus_sample.csv"


def sql(cli: Any, query: str) -> list[dict[str, Any]]:
    result = cli("sql", "--format", "json", query)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def _focus_rows() -> list[dict[str, str]]:
    with FOCUS_SAMPLE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_answers_on_the_real_samples_together(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(
        DATA / "nvidia" / "nvidia-smi_query-gpu_loop_1s_with_load.csv", tmp_path / "h100-node.csv"
    )
    (tmp_path / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [
                    {"name": "focus_sample", "kind": "focus", "path": str(FOCUS_SAMPLE)},
                    {
                        "name": "cur_nok",
                        "kind": "aws_cur",
                        "path": str(DATA / "aws" / "2023-06-01.csv"),
                    },
                    {"name": "h100", "kind": "nvidia_smi", "path": "h100-node.csv"},
                    {
                        "name": "phillips",
                        "kind": "slurm",
                        "path": str(DATA / "slurm" / "phillips.log"),
                    },
                    {"name": "gcp_koku", "kind": "gcp_billing", "path": str(DATA / "gcp")},
                    {"name": "azure_ea", "kind": "azure_cost", "path": str(DATA / "azure" / "ea")},
                ],
                "prices": {"fetch": False},
            }
        )
    )
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "0 failed; checks:" in result.output and ", 0 failed." in result.output

    # Idle waste: the FOCUS sample's GPU instances (g3.4xlarge and g5.4xlarge, one GPU each,
    # named only in ChargeDescription) were billed with no run and no telemetry.
    gpu_lines = [
        r
        for r in _focus_rows()
        if r["ChargeCategory"] == "Usage"
        and any(f" {t} Instance" in r["ChargeDescription"] for t in ("g3.4xlarge", "g5.4xlarge"))
    ]
    assert len(gpu_lines) == 10
    waste = sql(
        cli,
        "select kind, count(distinct gpu_resource) as resources, "
        "sum(gpu_hours) as gpu_hours, sum(cost) as cost "
        "from marts.idle_waste group by kind",
    )
    assert len(waste) == 1 and waste[0]["kind"] == "unobserved"
    assert waste[0]["resources"] == len({r["ResourceId"] for r in gpu_lines})
    assert D(str(waste[0]["cost"])) == sum(D(r["EffectiveCost"]) for r in gpu_lines) == 13
    assert (
        abs(waste[0]["gpu_hours"] - float(sum(D(r["ConsumedQuantity"]) for r in gpu_lines))) < 1e-9
    )

    # Run cost: the two Slurm jobs with GPUs ran on hosts no loaded bill covers.
    runs = sql(
        cli,
        "select run_id, gpu_hours, unpriced_gpu_hours, cost, billing_currency "
        "from marts.run_cost order by run_id",
    )
    started, ended = datetime(2016, 12, 22, 7, 15, 13), datetime(2017, 1, 1, 20, 42, 19)
    expected = {
        "slurm:phillips:163485": 2 * (ended - started).total_seconds() / 3600,
        "slurm:phillips:196835": 2 * 17 / 3600,
    }  # gres/gpu=2 for 00:00:17
    assert {r["run_id"]: r["gpu_hours"] for r in runs} == expected
    assert all(r["unpriced_gpu_hours"] == r["gpu_hours"] and r["cost"] is None for r in runs)

    # Savings: the NOK export's three Savings-Plan-covered m5.large hours: contracted 10 each at
    # on-demand, effective 0.1 each; kept apart from the USD lines.
    nok = sql(
        cli,
        "select kind, contracted_cost, effective_cost, savings, savings_rate "
        "from marts.savings where billing_currency = 'NOK'",
    )
    assert [
        (
            r["kind"],
            D(str(r["contracted_cost"])),
            D(str(r["effective_cost"])),
            D(str(r["savings"])),
            D(str(r["savings_rate"])),
        )
        for r in nok
    ] == [("commitment", D(30), D("0.3"), D("29.7"), D("0.99"))]
    # Azure EA: the two reservation- and savings-plan-covered rows of the amortized export save
    # contracted - effective, worked from the file: (0.146 x 8 - 0.493152) + (0.0416 x
    # 0.32085564 - 0.006000000468), each stored to 10 places: 0.674848 + 0.0073475941.
    azure = sql(
        cli,
        "select savings from marts.savings where provider = 'Microsoft' and kind = 'commitment'",
    )
    assert [D(str(r["savings"])) for r in azure] == [D("0.6821955941")]
    # GCP: the koku samples' credits cancel their cost (free trial), so they add nothing anywhere
    gcp = sql(
        cli,
        "select sum(billed_cost) as billed, count(*) as n from marts.cost_lines "
        "where provider = 'Google Cloud'",
    )
    assert gcp == [{"billed": 0.000012, "n": 34}]
    # The FOCUS sample's negotiated savings on EC2, by the documented rule, from the raw rows.
    negotiated = D(0)
    for r in _focus_rows():
        if (
            r["ServiceName"] != "Amazon Elastic Compute Cloud"
            or r["ChargeCategory"] != "Usage"
            or r["PricingCategory"] == "Dynamic"
            or r["CommitmentDiscountStatus"] == "Unused"
        ):
            continue
        billed = D(r["BilledCost"])
        contracted = D(r["ContractedCost"]) if r["ContractedCost"] != "NULL" else D(0)
        if contracted == 0 and billed != 0 and r["PricingCategory"] != "Committed":
            contracted = billed
        listed = D(r["ListCost"]) if r["ListCost"] not in ("NULL", "0") else D(0)
        negotiated += (listed or contracted) - contracted
    ec2 = sql(
        cli,
        "select savings from marts.savings where kind = 'negotiated' and "
        "service_name = 'Amazon Elastic Compute Cloud' and billing_period = '2024-09'",
    )
    assert D(str(ec2[0]["savings"])) == negotiated
