"""The built-in carbon factors: grid intensity per cloud region, PUE per provider and board power
per GPU model, each row with the source and year it came from (connectors/data/CARBON_SOURCES.md).

They ship as CSV files beside the code so a user can read, diff and cite them; the warehouse
copies them into meta tables, with the config's overrides, where the models and `aispend sql`
see them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class GridIntensity:
    provider: str
    region: str
    grid_gco2e_per_kwh: float
    year: int
    source: str


@dataclass(frozen=True)
class CloudPue:
    provider: str
    pue: float
    year: int
    source: str


@dataclass(frozen=True)
class BoardPower:
    gpu_model: str
    board_power_w: float
    source: str


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)
        ]


def grid_intensity() -> list[GridIntensity]:
    return [
        GridIntensity(
            r["provider"], r["region"], float(r["grid_gco2e_per_kwh"]), int(r["year"]), r["source"]
        )
        for r in _rows("grid_intensity.csv")
    ]


def cloud_pue() -> list[CloudPue]:
    return [
        CloudPue(r["provider"], float(r["pue"]), int(r["year"]), r["source"])
        for r in _rows("cloud_pue.csv")
    ]


def board_power() -> list[BoardPower]:
    return [
        BoardPower(r["gpu_model"], float(r["board_power_w"]), r["source"])
        for r in _rows("gpu_board_power.csv")
    ]
