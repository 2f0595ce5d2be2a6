"""meta.host_map: which billed resource each configured GPU host is, and its GPU count.

The models read the mapping from a table rather than a bound parameter so it stays visible to
``aispend sql`` ("why is this host priced like that?") and portable to other engines.
"""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from aispend.config import AispendConfig
from aispend.store.loads import write_host_map
from aispend.warehouse import transaction
from pipelines.billing.assets import writer_pool
from pipelines.resources import WarehouseResource

HOST_MAP = "meta.host_map"
HOST_MAP_KEY = AssetKey(["meta", "host_map"])


def host_map_asset(config: AispendConfig) -> AssetsDefinition:
    rows = [(h.host, h.resource_id, h.gpus) for h in config.hosts]

    @asset(
        key=HOST_MAP_KEY,
        group_name="meta",
        kinds={"duckdb"},
        description="GPU hosts mapped to billed resources by the config's hosts: list; hosts not "
                    "listed are matched by resource id, resource name or Name tag.",
        pool=writer_pool(config),
    )
    def _host_map(context: AssetExecutionContext,
                  warehouse: WarehouseResource) -> MaterializeResult:
        if config.store_uri:
            return MaterializeResult(metadata={"rows": write_host_map(config)})
        with warehouse.connect() as con, transaction(con):
            con.execute(f"DELETE FROM {HOST_MAP}")
            if rows:
                con.executemany(f"INSERT INTO {HOST_MAP} VALUES (?, ?, ?)", rows)
        context.log.info(f"{len(rows)} configured host(s)")
        return MaterializeResult(metadata={"rows": len(rows)})

    return _host_map
