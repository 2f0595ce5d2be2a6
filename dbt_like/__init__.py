"""A small SQL model runner: discover sql/**/*.sql, order models by what they read, run them.

We keep our own instead of dbt because the project needs only headers, dependency order, bound
parameters and checks-as-queries, and because each model must also become a Dagster asset.
"""

from dbt_like.project import Project, SqlNode, discover
from dbt_like.runner import CheckResult, run_check, run_model, run_models

__all__ = ["CheckResult", "Project", "SqlNode", "discover", "run_check", "run_model", "run_models"]
