"""GCP's Cloud Catalog through the official ``google-cloud-billing`` client.

GCP bills spot and preemptible capacity as SKUs of their own ("Spot Preemptible Nvidia H100 80GB
GPU running in Americas") with their own lower price and no discount line, so the on-demand
equivalent is the SKU with the same description minus that prefix, the same resource group and
the same regions. Prices are ``units + nanos`` (exact Decimals); the first tier (usage from 0)
is the price of an hour of a VM or GPU.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

COMPUTE_ENGINE = "services/6F81-5844-456A"
_SPOT_PREFIX = re.compile(r"^(spot preemptible|preemptible|spot)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Price:
    """One SKU's price per usage unit, and for a spot SKU the on-demand SKU it stands in for."""

    provider: str
    sku_id: str
    description: str
    region: str
    usage_type: str
    resource_group: str
    usage_unit: str
    currency: str
    unit_price: Decimal
    on_demand_sku_id: str | None = None
    on_demand_price: Decimal | None = None


def catalog_client(endpoint: str | None = None) -> Any:
    """The official client: application default credentials, or, for ``endpoint`` (a mirror or
    a test server), anonymous REST calls to it."""
    from google.cloud import billing_v1

    if endpoint is None:
        return billing_v1.CloudCatalogClient()
    from google.auth.credentials import AnonymousCredentials

    return billing_v1.CloudCatalogClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options={"api_endpoint": endpoint},
    )


def fetch_skus(client: Any, service: str = COMPUTE_ENGINE) -> list[Price]:
    """Every SKU of ``service`` with its first-tier price (the client follows the pages)."""
    prices = []
    for sku in client.list_skus(parent=service):
        if not sku.pricing_info:
            continue
        expression = sku.pricing_info[0].pricing_expression
        tiers = sorted(expression.tiered_rates, key=lambda t: t.start_usage_amount)
        if not tiers:
            continue
        money = tiers[0].unit_price
        prices.append(
            Price(
                provider="gcp",
                sku_id=sku.sku_id,
                description=sku.description,
                region=",".join(sorted(sku.service_regions)),
                usage_type=sku.category.usage_type,
                resource_group=sku.category.resource_group,
                usage_unit=expression.usage_unit,
                currency=money.currency_code,
                unit_price=Decimal(int(money.units)) + Decimal(money.nanos) / Decimal(10**9),
            )
        )
    return pair_spot(prices)


def pair_spot(prices: Iterable[Price]) -> list[Price]:
    """Spot/preemptible SKUs with the on-demand SKU (same description without the prefix, same
    resource group and regions) and its price filled in."""
    prices = list(prices)
    on_demand = {
        (p.description.lower(), p.resource_group, p.region): p
        for p in prices
        if p.usage_type == "OnDemand"
    }
    paired = []
    for price in prices:
        if price.usage_type == "Preemptible" or _SPOT_PREFIX.match(price.description):
            key = (
                _SPOT_PREFIX.sub("", price.description).lower(),
                price.resource_group,
                price.region,
            )
            match = on_demand.get(key)
            if match is not None and match.usage_unit == price.usage_unit:
                price = Price(
                    **{
                        **price.__dict__,
                        "on_demand_sku_id": match.sku_id,
                        "on_demand_price": match.unit_price,
                    }
                )
        paired.append(price)
    return paired
