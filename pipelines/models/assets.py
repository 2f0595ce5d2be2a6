"""Each sql/ model becomes an asset, each sql/checks file an asset check on the table it guards.

Checks that take a ``$source`` parameter guard one source's rows in marts.cost_lines and are built
per source in pipelines/billing/checks.py; the rest attach to the model they read.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
    asset_check,
)

from aispend.config import AispendConfig
from dbt_like import Project, SqlNode
from pipelines.billing.assets import writer_pool
from pipelines.billing.checks import check_result, failed_if_raises, run_sql_check
from pipelines.models.one_step import models_in_one_step
from pipelines.models.specs import build_model, model_attrs, model_checks, model_key, run_plan

COST_LINES = "marts.cost_lines"


def build_model_assets(
    config: AispendConfig,
    project: Project,
    loaders: Mapping[str, Sequence[AssetKey]],
    params: Mapping[str, Any],
) -> list[AssetsDefinition]:
    """``loaders`` maps a loaded table (marts.cost_lines) to the assets that write it."""
    if config.engine == "spark":
        return [models_in_one_step(config, project, loaders, params)]
    return [_model_asset(config, project, node, loaders, params) for node in project.ordered()]


def build_model_checks(
    config: AispendConfig, project: Project, params: Mapping[str, Any]
) -> list[AssetChecksDefinition]:
    if config.engine == "spark":
        return []  # run inside the models' one step (one_step.py)
    return [
        _model_check(config, project.check_target(check), check, params)
        for check in model_checks(project)
    ]


def per_source_checks(project: Project) -> list[SqlNode]:
    return [check for check in project.checks if "source" in check.params]


def _model_asset(
    config: AispendConfig,
    project: Project,
    node: SqlNode,
    loaders: Mapping[str, Sequence[AssetKey]],
    params: Mapping[str, Any],
) -> AssetsDefinition:
    @asset(
        key=model_key(node.name),
        pool=writer_pool(config),  # type: ignore[untyped-decorator]
        **model_attrs(config, project, node, loaders),
    )
    def _build(context: AssetExecutionContext) -> MaterializeResult[Any]:
        plan = run_plan(config, project, context.run.run_id, context.run.tags)
        return build_model(context.log, config, project, node, params, plan)

    assert isinstance(_build, AssetsDefinition)
    return _build


def _model_check(
    config: AispendConfig, target: str, check: SqlNode, params: Mapping[str, Any]
) -> AssetChecksDefinition:
    @asset_check(
        asset=model_key(target),
        name=check.name,
        description=check.description,
        blocking=check.severity == "error",
    )
    def _check() -> AssetCheckResult:
        return failed_if_raises(lambda: check_result(run_sql_check(config, check, params)))

    return _check
