"""Where aispend's SQL models and checks live (sql/, shipped beside the packages), so every
layer that runs or lists them finds the same folder without importing Dagster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aispend.config import AispendConfig
from connectors.cost_model import normalize_tag_key
from dbt_like import Project, discover

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def sql_project(sql_dir: Path = SQL_DIR) -> Project:
    return discover(sql_dir)


def model_params(config: AispendConfig) -> dict[str, Any]:
    """The values the models' ``$name`` parameters are bound to."""
    return {
        "idle_util_pct": config.runs.idle_util_pct,
        "run_tag": normalize_tag_key(config.runs.run_tag),
        "team_tag": normalize_tag_key(config.runs.team_tag),
    }
