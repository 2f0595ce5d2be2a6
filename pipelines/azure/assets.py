"""One partitioned asset per Azure cost export source in the config."""

from __future__ import annotations

from dagster import AssetsDefinition

from aispend.config import AispendConfig, SourceConfig
from pipelines.billing import build_billing_asset


def azure_asset(config: AispendConfig, source: SourceConfig) -> AssetsDefinition:
    return build_billing_asset(
        config, source,
        description=f"Azure cost exports at {source.path} (EA or MCA, actual and amortized, "
                    "combined without double counting), one billing period per partition, into "
                    "marts.cost_lines.",
    )
