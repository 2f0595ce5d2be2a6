"""Where aispend's SQL models and checks live (sql/, shipped beside the packages), so every
layer that runs or lists them finds the same folder without importing Dagster."""

from __future__ import annotations

from pathlib import Path

from dbt_like import Project, discover

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def sql_project(sql_dir: Path = SQL_DIR) -> Project:
    return discover(sql_dir)
