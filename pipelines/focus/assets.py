"""One partitioned asset per FOCUS source in the config."""

from __future__ import annotations

from dagster import AssetsDefinition

from aispend.config import AispendConfig, SourceConfig
from pipelines.billing import build_billing_asset


def focus_asset(config: AispendConfig, source: SourceConfig) -> AssetsDefinition:
    return build_billing_asset(
        config, source,
        description=f"FOCUS export at {source.path}, one billing period per partition, "
                    "normalized into marts.cost_lines.",
    )
