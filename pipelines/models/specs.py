"""What every model asset is, however it is built: its key, what it reads, how it is shown, and
how it is built on the warehouse. Shared by one asset per step (DuckDB) and the one step that
builds them all (Spark)."""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetKey, DagsterLogManager, MaterializeResult, MetadataValue

from aispend.config import AispendConfig
from aispend.model_plan import model_plan
from aispend.storage import open_warehouse
from dbt_like import Project, SqlNode
from dbt_like.plan import KEEP, Planner

#: A run tag: "true" rebuilds every model whole (`aispend run --full-refresh`); without it a
#: model is rebuilt from where its inputs changed since the last good build, or kept.
FULL_REFRESH_TAG = "aispend/full_refresh"
#: The planner of the Dagster run in progress, made at its first model: a model built early in
#: the run must not change what the loads say about the models after it.
_PLANS: dict[str, Planner] = {}


def model_key(name: str) -> AssetKey:
    return AssetKey(name.split("."))


def model_attrs(
    config: AispendConfig,
    project: Project,
    node: SqlNode,
    loaders: Mapping[str, Sequence[AssetKey]],
) -> dict[str, Any]:
    """Keyword arguments for ``@asset`` or ``AssetSpec``; ``loaders`` maps a loaded table
    (marts.cost_lines) to the assets that write it."""
    deps = [model_key(name) for name in project.dependencies(node)]
    for table in project.external_tables(node):
        deps.extend(loaders.get(table, []))
    return {
        "deps": deps,
        "group_name": node.name.split(".")[0],
        "kinds": {config.engine, "sql"},
        "description": node.description or node.grain,
        "metadata": {
            "grain": node.grain or "",
            "materialized": node.materialized,
            "sql_file": str(node.path),
        },
    }


def model_checks(project: Project) -> list[SqlNode]:
    """Checks that guard a model (a check with ``$source`` guards one source's loads)."""
    return [
        check
        for check in project.checks
        if "source" not in check.params and project.check_target(check) in project.models
    ]


def run_plan(
    config: AispendConfig, project: Project, run_id: str, tags: Mapping[str, str]
) -> Planner:
    """What this Dagster run rebuilds (aispend/model_plan.py), computed at its first model."""
    if run_id not in _PLANS:
        with open_warehouse(config).latest() as con:
            full = tags.get(FULL_REFRESH_TAG) == "true"
            _PLANS.clear()  # one run at a time per process: keep only the current plan
            _PLANS[run_id] = model_plan(config, project, con, full=full)
    return _PLANS[run_id]


def build_model(
    log: DagsterLogManager,
    config: AispendConfig,
    project: Project,
    node: SqlNode,
    params: Mapping[str, Any],
    plan: Planner,
) -> MaterializeResult[Any]:
    """Build ``node`` on the warehouse as ``plan`` says (whole, its tail, or not at all); its
    row count, money totals and top rows as metadata."""
    since = plan.decide(node.name)
    warehouse = open_warehouse(config)
    if since == KEEP:
        log.info(f"{node.name}: kept, its inputs did not change since the last build")
        kept = warehouse.kept_model(node)
        return MaterializeResult(
            asset_key=model_key(node.name),
            metadata={**_shown(kept.metadata), "build": "kept"},
        )
    assert not isinstance(since, str)
    before = warehouse.model_digest(node.name) if node.timeless else None
    built = warehouse.build_model(project, node, params, since)
    if node.timeless:
        same = before is not None and before == warehouse.model_digest(node.name)
        plan.built(node.name, rows_unchanged=same)
    log.info(f"{node.name}: {'a view' if built.rows is None else f'{built.rows} rows'}")
    metadata = _shown(built.metadata)
    metadata["build"] = "whole" if since is None else f"from {since:%Y-%m-%d %H:%M}"
    return MaterializeResult(asset_key=model_key(node.name), metadata=metadata)


def _shown(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A build's metadata as the UI shows it (the preview as markdown)."""
    out = dict(metadata)
    if "preview" in out:
        out["preview"] = MetadataValue.md(out["preview"])
    return out
