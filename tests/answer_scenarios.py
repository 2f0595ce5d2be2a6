"""Small hand-made worlds for the answers: a FOCUS bill, nvidia-smi logs and sacct, same hosts.

Every test states its numbers worked by hand from what these helpers write.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from aispend.demo_scenario import FOCUS_COLUMNS, focus_line

DAY = datetime(2026, 10, 5)


def stamp(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def hourly(
    resource_id: str,
    first_hour: int,
    last_hour: int,
    cost: str,
    *,
    name: str = "",
    instance_type: str = "",
    list_cost: str | None = None,
    pricing: str = "Standard",
    tags: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """One Usage line per hour, first_hour to last_hour inclusive, each costing ``cost``."""
    return [
        focus_line(
            ChargeCategory="Usage",
            ChargePeriodStart=stamp(h),
            ChargePeriodEnd=stamp(h + 1),
            ConsumedQuantity="1",
            ConsumedUnit="Hours",
            BilledCost=cost,
            EffectiveCost=cost,
            ContractedCost=cost,
            ListCost=list_cost or cost,
            PricingCategory=pricing,
            ResourceId=resource_id,
            ResourceName=name,
            ServiceName="Amazon Elastic Compute Cloud",
            Tags=json.dumps(tags or {}),
            x_InstanceType=instance_type,
        )
        for h in range(first_hour, last_hour + 1)
    ]


def write_bill(folder: Path, rows: Sequence[dict[str, str]]) -> None:
    (folder / "bills").mkdir(parents=True, exist_ok=True)
    with (folder / "bills" / "bill.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, FOCUS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def write_gpu_log(
    folder: Path,
    host: str,
    gpus: int,
    first_minute: int,
    last_minute: int,
    util: Callable[[int, int], int],
) -> None:
    """nvidia-smi --query-gpu CSV, one sample a minute; ``util(minute, gpu)`` in %."""
    (folder / "gpu").mkdir(parents=True, exist_ok=True)
    lines = ["timestamp, index, utilization.gpu [%]"]
    for minute in range(first_minute, last_minute + 1):
        when = (DAY + timedelta(minutes=minute)).strftime("%Y/%m/%d %H:%M:%S.000")
        lines += [f"{when}, {gpu}, {util(minute, gpu)} %" for gpu in range(gpus)]
    (folder / "gpu" / f"{host}.csv").write_text("\n".join(lines) + "\n")


def write_sacct(folder: Path, jobs: Sequence[tuple[str, str, str, int, str, str, str]]) -> None:
    """Jobs as (id, name, node, GPUs, start HH:MM, end HH:MM, state), in UTC on DAY."""
    lines = ["JobID|Cluster|Account|User|JobName|State|Start|End|Elapsed|AllocTRES|NodeList"]
    for job_id, name, node, gpus, start, end, state in jobs:
        lines.append(
            f"{job_id}|c1|team-{name}|u{job_id}|{name}|{state}|{DAY.date()}T{start}:00|"
            f"{DAY.date()}T{end}:00|00:00:00|gres/gpu={gpus}|{node}"
        )
    (folder / "sacct.txt").write_text("\n".join(lines) + "\n")


def write_config(folder: Path, **extra: Any) -> None:
    (folder / "gpu").mkdir(exist_ok=True)
    if not (folder / "sacct.txt").exists():
        write_sacct(folder, [])
    (folder / "aispend.yaml").write_text(
        yaml.safe_dump(
            {
                "warehouse": "wh.duckdb",
                "sources": [
                    {"name": "bills", "kind": "focus", "path": "bills"},
                    {"name": "smi", "kind": "nvidia_smi", "path": "gpu"},
                    {"name": "slurm", "kind": "slurm", "path": "sacct.txt"},
                ],
                **extra,
            }
        )
    )
