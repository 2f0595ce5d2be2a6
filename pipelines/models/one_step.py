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
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from aispend.config import AispendConfig
from dbt_like import Project, SqlNode

ONE_STEP = "sql_models"


def model_key(name: str) -> AssetKey:
    return AssetKey(name.split("."))


def models_in_one_step(config: AispendConfig, project: Project,
                       loaders: Mapping[str, Sequence[AssetKey]],
                       params: Mapping[str, Any]) -> AssetsDefinition:
    specs = []
    for node in project.ordered():
        deps = [model_key(name) for name in project.dependencies(node)]
        for table in project.external_tables(node):
            deps.extend(loaders.get(table, []))
        specs.append(AssetSpec(
            model_key(node.name), deps=deps, group_name=node.name.split(".")[0],
            kinds={config.engine, "sql"}, description=node.description or node.grain,
            metadata={"grain": node.grain or "", "materialized": node.materialized,
                      "sql_file": str(node.path)}))
    checks = {check.name: check for check in project.checks
              if "source" not in check.params and project.check_target(check) in project.models}
    check_specs = [AssetCheckSpec(name, asset=model_key(project.check_target(check)),
                                  description=check.description,
                                  blocking=check.severity == "error")
                   for name, check in checks.items()]

    @multi_asset(name=ONE_STEP, specs=specs, check_specs=check_specs, can_subset=True)
    def _models(context: AssetExecutionContext) -> Iterator[MaterializeResult | AssetCheckResult]:
        from aispend.store.engines import open_engine

        engine = open_engine(config)
        selected = context.selected_asset_keys
        wanted_checks = context.selected_asset_check_keys
        stopped: set[str] = set()
        for node in project.ordered():
            if model_key(node.name) not in selected:
                continue
            if stopped & _upstream(project, node):
                context.log.error(f"{node.name}: not built, a blocking check failed upstream")
                continue
            engine.refresh([*project.external_tables(node), *project.dependencies(node)])
            rows = engine.run_model(node, params)
            context.log.info(f"{node.name} on {config.engine}: "
                             f"{'a view' if rows is None else f'{rows} rows'}")
            yield MaterializeResult(asset_key=model_key(node.name), metadata={
                "engine": config.engine, **({} if rows is None else {"rows": rows})})
            for name, check in checks.items():
                key = AssetCheckKey(model_key(node.name), name)
                if project.check_target(check) != node.name or key not in wanted_checks:
                    continue
                outcome = engine.run_check(check, params)
                if not outcome.passed and outcome.severity == "error":
                    stopped.add(node.name)
                yield AssetCheckResult(
                    asset_key=model_key(node.name), check_name=name, passed=outcome.passed,
                    severity=(AssetCheckSeverity.ERROR if outcome.severity == "error"
                              else AssetCheckSeverity.WARN),
                    metadata={"failing_rows": outcome.failures})

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
