"""With ``engine: spark`` every SQL model is built in one Dagster step: one asset per model as
always (lineage, metadata, selection), but one process and so one SparkSession for them all.

Dagster's multiprocess executor runs each step in a process of its own; a SparkSession per
model would cost a session start each (seconds locally, an executor allocation on a cluster).
Checks run right after the model they guard; a failing error-severity check stops the models
downstream of it, as a blocking check between steps would.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from aispend.config import AispendConfig
from aispend.storage import open_warehouse
from dbt_like import Project, SqlNode
from pipelines.billing.checks import check_result
from pipelines.models.specs import build_model, model_attrs, model_checks, model_key, run_plan

ONE_STEP = "sql_models"


def models_in_one_step(
    config: AispendConfig,
    project: Project,
    loaders: Mapping[str, Sequence[AssetKey]],
    params: Mapping[str, Any],
) -> AssetsDefinition:
    specs = [
        AssetSpec(model_key(node.name), **model_attrs(config, project, node, loaders))
        for node in project.ordered()
    ]
    checks = {check.name: check for check in model_checks(project)}
    check_specs = [
        AssetCheckSpec(
            name,
            asset=model_key(project.check_target(check)),
            description=check.description,
            blocking=check.severity == "error",
        )
        for name, check in checks.items()
    ]

    @multi_asset(name=ONE_STEP, specs=specs, check_specs=check_specs, can_subset=True)
    def _models(
        context: AssetExecutionContext,
    ) -> Iterator[MaterializeResult[Any] | AssetCheckResult]:
        engine = open_warehouse(config).model_engine()
        selected = context.selected_asset_keys
        wanted_checks = context.selected_asset_check_keys
        stopped: set[str] = set()
        plan = run_plan(config, project, context.run.run_id, context.run.tags)
        for node in project.ordered():
            if model_key(node.name) not in selected:
                continue
            if stopped & _upstream(project, node):
                context.log.error(f"{node.name}: not built, a blocking check failed upstream")
                continue
            yield build_model(context.log, config, project, node, params, plan)
            for name, check in checks.items():
                key = AssetCheckKey(model_key(node.name), name)
                if project.check_target(check) != node.name or key not in wanted_checks:
                    continue
                outcome = engine.run_check(check, params)
                if not outcome.passed and outcome.severity == "error":
                    stopped.add(node.name)
                yield check_result(outcome, asset_key=model_key(node.name), check_name=name)

    return _models


def _upstream(project: Project, node: SqlNode) -> set[str]:
    """Every model ``node`` reads, directly or through other models."""
    seen: set[str] = set()
    todo = list(project.dependencies(node))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(project.dependencies(project.models[name]))
    return seen
