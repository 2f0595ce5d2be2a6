"""What every model asset is, however it is built: its key, what it reads, how it is shown, and
how it is built on the warehouse. Shared by one asset per step (DuckDB) and the one step that
builds them all (Spark)."""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import AssetKey, DagsterLogManager, MaterializeResult, MetadataValue

from aispend.config import AispendConfig
from aispend.storage import open_warehouse
from dbt_like import Project, SqlNode


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


def build_model(
    log: DagsterLogManager,
    config: AispendConfig,
    project: Project,
    node: SqlNode,
    params: Mapping[str, Any],
) -> MaterializeResult[Any]:
    """Build ``node`` on the warehouse; its row count, money totals and top rows as metadata."""
    built = open_warehouse(config).build_model(project, node, params)
    log.info(f"{node.name}: {'a view' if built.rows is None else f'{built.rows} rows'}")
    metadata = dict(built.metadata)
    if "preview" in metadata:
        metadata["preview"] = MetadataValue.md(metadata["preview"])
    return MaterializeResult(asset_key=model_key(node.name), metadata=metadata)
