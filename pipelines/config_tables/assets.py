"""The tables the config decides: meta.host_map (which billed resource or region each GPU host
is) and the carbon factors (grid intensity, PUE, GPU board power) with the config's overrides.

One step writes them all, since one config file decides them all; each is its own asset so a
model waits only for the tables it reads.
"""

from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from aispend.config import AispendConfig
from aispend.config_tables import CONFIG_TABLES
from aispend.storage import open_warehouse
from pipelines.billing.assets import writer_pool

_DESCRIPTIONS = {
    "meta.host_map": "GPU hosts mapped to billed resources (or regions) by the config's hosts: "
    "list; hosts not listed are matched by resource id, resource name or Name tag.",
    "meta.grid_intensity": "Grid carbon intensity (g CO2e/kWh) per cloud region, each row with "
    "its source and year; the config's carbon.grid_gco2e_per_kwh rows have source 'config'.",
    "meta.cloud_pue": "Power usage effectiveness per provider, sourced; carbon.pue overrides.",
    "meta.gpu_board_power": "Board power (W) per GPU model, for power shares and for estimating "
    "billed GPUs that have no telemetry.",
}


def table_key(table: str) -> AssetKey:
    return AssetKey(table.split("."))


def config_tables_asset(config: AispendConfig) -> AssetsDefinition:
    @multi_asset(
        name="config_tables",
        specs=[
            AssetSpec(
                table_key(t), group_name="meta", kinds={"duckdb"}, description=_DESCRIPTIONS[t]
            )
            for t in CONFIG_TABLES
        ],
        pool=writer_pool(config),
    )
    def _config_tables(context: AssetExecutionContext) -> Any:
        rows = open_warehouse(config).write_config_tables()
        context.log.info(", ".join(f"{table}: {n} row(s)" for table, n in rows.items()))
        for table, count in rows.items():
            yield MaterializeResult(asset_key=table_key(table), metadata={"rows": count})

    return _config_tables
