"""The small tables the config and the bundled reference data decide, rewritten whole each run:
which billed resource (or region) each GPU host is, and the carbon factors with the config's
overrides.

The models read these from tables rather than bound parameters so that `aispend sql` can answer
"why is this host priced (or counted) like that?" and other engines read them the same way.
"""

from __future__ import annotations

from typing import Any

from aispend.config import AispendConfig
from connectors.carbon_factors import board_power, cloud_pue, grid_intensity

#: Where a config override is written in the factor tables' ``source`` column.
CONFIG_SOURCE = "config"

CONFIG_TABLES = ("meta.host_map", "meta.grid_intensity", "meta.cloud_pue", "meta.gpu_board_power")


def config_tables(config: AispendConfig) -> dict[str, list[tuple[Any, ...]]]:
    """Rows per table, in the column order of its DDL (aispend/warehouse.py). An override has
    no provider: it applies to a region (or every host, for PUE) whoever runs it."""
    carbon = config.carbon
    grid: list[tuple[Any, ...]] = [
        (g.provider, g.region, g.grid_gco2e_per_kwh, g.year, g.source) for g in grid_intensity()
    ]
    grid += [
        (None, region, value, None, CONFIG_SOURCE)
        for region, value in carbon.grid_gco2e_per_kwh.items()
    ]
    pue: list[tuple[Any, ...]] = [(p.provider, p.pue, p.year, p.source) for p in cloud_pue()]
    if carbon.pue is not None:
        pue.append((None, carbon.pue, None, CONFIG_SOURCE))
    return {
        "meta.host_map": [(h.host, h.resource_id, h.gpus, h.region) for h in config.hosts],
        "meta.grid_intensity": grid,
        "meta.cloud_pue": pue,
        "meta.gpu_board_power": [(b.gpu_model, b.board_power_w, b.source) for b in board_power()],
    }
