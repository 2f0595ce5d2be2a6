"""What every model asset is, however it is built: its key, what it reads, how it is shown, and
how it is built on a parquet store. Shared by one asset per step (DuckDB) and the one step that
builds them all (Spark)."""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetKey, DagsterLogManager, MaterializeResult

from aispend.config import AispendConfig
from dbt_like import Project, SqlNode


def model_key(name: str) -> AssetKey:
    return AssetKey(name.split("."))


def model_attrs(config: AispendConfig, project: Project, node: SqlNode,
                loaders: Mapping[str, Sequence[AssetKey]]) -> dict[str, Any]:
    """Keyword arguments for ``@asset`` or ``AssetSpec``; ``loaders`` maps a loaded table
    (marts.cost_lines) to the assets that write it."""
    deps = [model_key(name) for name in project.dependencies(node)]
    for table in project.external_tables(node):
        deps.extend(loaders.get(table, []))
    return {"deps": deps, "group_name": node.name.split(".")[0],
            "kinds": {config.engine, "sql"}, "description": node.description or node.grain,
            "metadata": {"grain": node.grain or "", "materialized": node.materialized,
                         "sql_file": str(node.path)}}


def model_checks(project: Project) -> list[SqlNode]:
    """Checks that guard a model (a check with ``$source`` guards one source's loads)."""
    return [check for check in project.checks
            if "source" not in check.params and project.check_target(check) in project.models]


def build_on_store(log: DagsterLogManager, config: AispendConfig, project: Project,
                   node: SqlNode, params: Mapping[str, Any]) -> MaterializeResult:
    """Build ``node`` with the configured engine on the store, reading what loads changed."""
    from aispend.store.engines import open_engine

    engine = open_engine(config)
    engine.refresh([*project.external_tables(node), *project.dependencies(node)])
    rows = engine.run_model(node, params)
    log.info(f"{node.name} on {config.engine}: {'a view' if rows is None else f'{rows} rows'}")
    return MaterializeResult(asset_key=model_key(node.name), metadata={
        "engine": config.engine, **({} if rows is None else {"rows": rows})})
