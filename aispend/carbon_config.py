"""The ``carbon:`` section of aispend.yaml: where the built-in factors do not fit a site.

A colocation contract states its own PUE, a power purchase agreement its own grid mix; both
override the built-in tables (connectors/data/) for every figure the models compute.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from aispend.config_base import Strict

#: The key of ``grid_gco2e_per_kwh`` that applies to hosts whose region no table names.
DEFAULT_REGION = "default"


class CarbonConfig(Strict):
    """``carbon: {pue: 1.25, grid_gco2e_per_kwh: {us-east-1: 400, default: 450}}``"""

    #: Power usage effectiveness for every host, instead of the provider's published figure.
    pue: float | None = Field(default=None, ge=1.0, le=3.0)
    #: g CO2e per kWh by region as bills name it (us-east-1, us-central1, westeurope).
    grid_gco2e_per_kwh: dict[str, float] = Field(default_factory=dict)

    @field_validator("grid_gco2e_per_kwh")
    @classmethod
    def _plausible(cls, values: dict[str, float]) -> dict[str, float]:
        for region, value in values.items():
            if not 0 <= value <= 2000:
                raise ValueError(
                    f"grid_gco2e_per_kwh[{region!r}] = {value}: grids emit 0 to 2000 g/kWh"
                )
        return values
