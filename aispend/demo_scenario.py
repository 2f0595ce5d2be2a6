"""Writes the bundled demo scenario: a bill, GPU logs and Slurm jobs about the same hosts and hours.

The real samples come from different companies and years, so they can never show a run's cost or
idle GPUs. This scenario is small enough that every answer is worked by hand (see
``demo_data/scenario/README.md`` and tests/test_scenario.py); the files it writes are committed,
and a test checks that they are exactly what this code writes, so the numbers stay explainable.

Prices are round illustrative figures, not AWS's price list.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent / "demo_data" / "scenario"
DAY = datetime(2026, 10, 14)
ACCOUNT = "210987654321"

FOCUS_COLUMNS = [
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "EffectiveCost",
    "ListCost",
    "PricingCategory",
    "ProviderName",
    "RegionId",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "SubAccountId",
    "Tags",
    "x_InstanceType",
]
SAVINGS_PLAN = f"arn:aws:savingsplans::{ACCOUNT}:savingsplan/sp-0demo"


@dataclass(frozen=True)
class BilledInstance:
    """An instance billed hour by hour from ``first_hour`` to ``last_hour`` (inclusive)."""

    resource_id: str
    name_column: str  # ResourceName ("" when only the Name tag names it)
    instance_type: str
    first_hour: int
    last_hour: int
    list_cost: str
    contracted_cost: str
    billed_cost: str
    effective_cost: str
    pricing: str
    tags: dict[str, str]


INSTANCES = [
    # train-a: covered by a Compute Savings Plan; $20.00 effective an hour, 8 A100 = $2.50/GPU-h
    BilledInstance(
        "i-0a1b2c3d4e5f60001",
        "train-a",
        "p4d.24xlarge",
        0,
        23,
        "32.00",
        "32.00",
        "0.00",
        "20.00",
        "Committed",
        {"Name": "train-a", "team": "ml-research"},
    ),
    # train-b: spot, named only by its Name tag; $36.00 an hour, 8 H100 = $4.50/GPU-h
    BilledInstance(
        "i-0b1b2c3d4e5f60002",
        "",
        "p5.48xlarge",
        8,
        13,
        "96.00",
        "36.00",
        "36.00",
        "36.00",
        "Dynamic",
        {"Name": "train-b", "team": "ml-research"},
    ),
    # infer-c: a fine-tune known only from its run tag; 10 % negotiated discount
    BilledInstance(
        "i-0c1b2c3d4e5f60003",
        "infer-c",
        "g5.12xlarge",
        10,
        14,
        "6.00",
        "5.40",
        "5.40",
        "5.40",
        "Standard",
        {"training_run": "finetune-x", "team": "nlp"},
    ),
    # spare-d: a forgotten one-GPU instance nobody runs anything on
    BilledInstance(
        "i-0d1b2c3d4e5f60004",
        "spare-d",
        "g5.xlarge",
        0,
        23,
        "1.00",
        "1.00",
        "1.00",
        "1.00",
        "Standard",
        {},
    ),
]

#: Slurm jobs: (id, name, user, account, node, GPUs, start, end, state), times on DAY in UTC.
JOBS = [
    ("101", "llm-pretrain", "alice", "ml-research", "train-a", 8, "01:30", "09:30", "COMPLETED"),
    ("102", "eval-a", "bob", "ml-eval", "train-a", 4, "12:00", "16:00", "COMPLETED"),
    ("103", "eval-b", "carol", "ml-eval", "train-a", 4, "12:00", "16:00", "COMPLETED"),
    ("104", "llm-finetune", "alice", "ml-research", "train-b", 8, "08:00", "13:30", "NODE_FAIL"),
]


def _ts(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def focus_line(**values: str) -> dict[str, str]:
    """One FOCUS row with the scenario's account, currency and period, overridden by ``values``."""
    row = dict.fromkeys(FOCUS_COLUMNS, "")
    row.update(
        {
            "BillingAccountId": ACCOUNT,
            "SubAccountId": ACCOUNT,
            "BillingCurrency": "USD",
            "BillingPeriodStart": "2026-10-01T00:00:00Z",
            "BillingPeriodEnd": "2026-11-01T00:00:00Z",
            "ProviderName": "AWS",
            "RegionId": "us-east-1",
            "ChargeFrequency": "Usage-Based",
            "Tags": "{}",
        }
    )
    row.update(values)
    return row


def bill_rows() -> list[dict[str, str]]:
    rows = []
    for inst in INSTANCES:
        for hour in range(inst.first_hour, inst.last_hour + 1):
            covered = inst.pricing == "Committed"
            rows.append(
                focus_line(
                    ChargeCategory="Usage",
                    ChargePeriodStart=_ts(hour),
                    ChargePeriodEnd=_ts(hour + 1),
                    ChargeDescription=f"{inst.instance_type} {inst.pricing.lower()} instance hour",
                    ConsumedQuantity="1",
                    ConsumedUnit="Hours",
                    ListCost=inst.list_cost,
                    ContractedCost=inst.contracted_cost,
                    BilledCost=inst.billed_cost,
                    EffectiveCost=inst.effective_cost,
                    PricingCategory=inst.pricing,
                    CommitmentDiscountId=SAVINGS_PLAN if covered else "",
                    CommitmentDiscountStatus="Used" if covered else "",
                    ResourceId=inst.resource_id,
                    ResourceName=inst.name_column,
                    ServiceCategory="Compute",
                    ServiceName="Amazon Elastic Compute Cloud",
                    Tags=json.dumps(inst.tags),
                    x_InstanceType=inst.instance_type,
                )
            )
    day_start, day_end = _ts(0), _ts(24)
    rows += [
        # the fine-tune's checkpoint volume, tagged with the run
        focus_line(
            ChargeCategory="Usage",
            ChargePeriodStart=day_start,
            ChargePeriodEnd=day_end,
            ChargeDescription="gp3 storage",
            ConsumedQuantity="15.5",
            ConsumedUnit="GB-Mo",
            ListCost="0.50",
            ContractedCost="0.50",
            BilledCost="0.50",
            EffectiveCost="0.50",
            PricingCategory="Standard",
            ResourceId="vol-0c1b2c3d4e5f60003",
            ServiceCategory="Storage",
            ServiceName="Amazon Elastic Block Store",
            Tags=json.dumps({"training_run": "finetune-x", "team": "nlp"}),
        ),
        # the savings plan: $21.25 an hour committed, $20.00 of it used by train-a
        focus_line(
            ChargeCategory="Purchase",
            ChargeFrequency="Recurring",
            ChargePeriodStart=day_start,
            ChargePeriodEnd=day_end,
            ChargeDescription="Compute Savings Plan, $21.25/hour",
            ListCost="510.00",
            ContractedCost="510.00",
            BilledCost="510.00",
            EffectiveCost="0.00",
            PricingCategory="Committed",
            CommitmentDiscountId=SAVINGS_PLAN,
            ResourceId=SAVINGS_PLAN,
            ServiceCategory="Compute",
            ServiceName="Savings Plans for AWS Compute usage",
        ),
        focus_line(
            ChargeCategory="Usage",
            ChargePeriodStart=day_start,
            ChargePeriodEnd=day_end,
            ChargeDescription="Unused Savings Plan commitment",
            ListCost="0.00",
            ContractedCost="0.00",
            BilledCost="0.00",
            EffectiveCost="30.00",
            PricingCategory="Committed",
            CommitmentDiscountId=SAVINGS_PLAN,
            CommitmentDiscountStatus="Unused",
            ResourceId=SAVINGS_PLAN,
            ServiceCategory="Compute",
            ServiceName="Savings Plans for AWS Compute usage",
        ),
    ]
    return rows


def _util(host: str, minute: int) -> int:
    hour = minute / 60
    if host == "train-b":
        return 90
    if 1.5 <= hour < 9.5:
        return 0 if 5.5 <= hour < 6.5 else 95  # a data-loader stall for one hour
    if 12 <= hour < 15:
        return 80
    return 0  # the evaluations' last hour (15:00-16:00) and the idle night


def nvidia_smi_log(host: str, model: str, first_minute: int, last_minute: int) -> str:
    """``nvidia-smi --query-gpu=... --format=csv -l 60`` as the host would have written it."""
    out = io.StringIO()
    out.write(
        "timestamp, index, uuid, name, utilization.gpu [%], memory.used [MiB], power.draw [W]\n"
    )
    for minute in range(first_minute, last_minute + 1):
        stamp = (DAY + timedelta(minutes=minute)).strftime("%Y/%m/%d %H:%M:%S.000")
        util = _util(host, minute)
        for gpu in range(8):
            uuid = f"GPU-{host}-{gpu:04d}-0000-0000-000000000000"
            memory = 30000 if util else 4
            power = 60.0 + 3.5 * util
            out.write(f"{stamp}, {gpu}, {uuid}, {model}, {util} %, {memory} MiB, {power:.2f} W\n")
    return out.getvalue()


def sacct_log() -> str:
    lines = [
        "JobID|JobIDRaw|Cluster|Partition|Account|User|JobName|State|Start|End|Elapsed|"
        "AllocTRES|NodeList"
    ]
    for job_id, name, user, account, node, gpus, start, end, state in JOBS:
        begin, finish = (datetime.fromisoformat(f"{DAY.date()}T{t}") for t in (start, end))
        seconds = int((finish - begin).total_seconds())
        elapsed = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:00"
        tres = f"billing=96,cpu=96,gres/gpu={gpus},mem=1100G,node=1"
        lines.append(
            f"{job_id}|{job_id}|demo|gpu|{account}|{user}|{name}|{state}|"
            f"{begin.isoformat()}|{finish.isoformat()}|{elapsed}|{tres}|{node}"
        )
        lines.append(
            f"{job_id}.batch|{job_id}.batch|demo||{account}||batch|{state}|"
            f"{begin.isoformat()}|{finish.isoformat()}|{elapsed}|cpu=96|{node}"
        )
    return "\n".join(lines) + "\n"


def scenario_files() -> dict[str, str]:
    bill = io.StringIO()
    writer = csv.DictWriter(bill, FOCUS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(bill_rows())
    return {
        "bill/focus_2026-10.csv": bill.getvalue(),
        "gpu/train-a.csv": nvidia_smi_log("train-a", "NVIDIA A100-SXM4-40GB", 0, 24 * 60 - 1),
        "gpu/train-b.csv": nvidia_smi_log("train-b", "NVIDIA H100 80GB HBM3", 8 * 60, 13 * 60 + 29),
        "slurm/sacct.log": sacct_log(),
    }


def write_scenario(folder: Path = SCENARIO_DIR) -> None:
    for name, text in scenario_files().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_scenario()
