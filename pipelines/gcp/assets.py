"""One partitioned asset per GCP billing export source in the config."""

from __future__ import annotations

from dagster import AssetsDefinition

from aispend.config import AispendConfig, SourceConfig
from pipelines.billing import build_billing_asset


def gcp_asset(config: AispendConfig, source: SourceConfig) -> AssetsDefinition:
    return build_billing_asset(
        config, source,
        description=f"GCP Cloud Billing export at {source.path} (standard or detailed, JSON lines, "
                    "parquet or flattened CSV), one invoice month per partition, net of credits, "
                    "into marts.cost_lines.",
    )
