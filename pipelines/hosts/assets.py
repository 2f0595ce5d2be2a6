"""meta.host_map: which billed resource each configured GPU host is, and its GPU count.

The models read the mapping from a table rather than a bound parameter so it stays visible to
``aispend sql`` ("why is this host priced like that?") and portable to other engines.
"""

from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from aispend.config import AispendConfig
from aispend.storage import open_warehouse
from pipelines.billing.assets import writer_pool

HOST_MAP = "meta.host_map"
HOST_MAP_KEY = AssetKey(["meta", "host_map"])


def host_map_asset(config: AispendConfig) -> AssetsDefinition:
    @asset(
        key=HOST_MAP_KEY,
        group_name="meta",
        kinds={"duckdb"},
        description="GPU hosts mapped to billed resources by the config's hosts: list; hosts not "
        "listed are matched by resource id, resource name or Name tag.",
        pool=writer_pool(config),
    )
    def _host_map(context: AssetExecutionContext) -> MaterializeResult[Any]:
        rows = open_warehouse(config).write_host_map()
        context.log.info(f"{rows} configured host(s)")
        return MaterializeResult(metadata={"rows": rows})

    return _host_map
