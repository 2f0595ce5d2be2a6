"""One partitioned asset per AWS CUR source in the config."""

from __future__ import annotations

from dagster import AssetsDefinition

from aispend.config import AispendConfig, SourceConfig
from pipelines.billing import build_billing_asset


def cur_asset(config: AispendConfig, source: SourceConfig) -> AssetsDefinition:
    return build_billing_asset(
        config, source,
        description=f"AWS Cost and Usage Report at {source.path} (legacy CUR or CUR 2.0), one "
                    "billing period per partition, with amortized cost, into marts.cost_lines.",
    )
