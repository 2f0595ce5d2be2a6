"""The public Azure Retail Prices API: the pay-as-you-go price of a VM size.

Azure bills spot usage on its own "... Spot" meter and an export's pay-as-you-go columns may hold
the spot price, so the on-demand equivalent is asked of the price list: same ``armSkuName``,
region and operating system, ``Consumption`` prices only, Spot and Low Priority SKUs left out.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from decimal import Decimal
from typing import Any

RETAIL_PRICES = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"


def fetch_items(
    arm_sku_name: str,
    region: str,
    *,
    base_url: str = RETAIL_PRICES,
    currency: str = "USD",
    timeout: float = 30,
) -> list[dict[str, Any]]:
    """All price items for the VM size in the region, following ``NextPageLink``."""
    query = (
        f"serviceName eq 'Virtual Machines' and armSkuName eq '{arm_sku_name}' "
        f"and armRegionName eq '{region}'"
    )
    url: str | None = (
        f"{base_url}?api-version={API_VERSION}&currencyCode={currency}&"
        + urllib.parse.urlencode({"$filter": query})
    )
    items: list[dict[str, Any]] = []
    while url:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            page = json.loads(response.read())
        items.extend(page.get("Items", []))
        url = page.get("NextPageLink")
    return items


def on_demand_price(items: list[dict[str, Any]], os: str = "linux") -> Decimal | None:
    """The pay-as-you-go hourly price among ``items``: Consumption only, no Spot or Low
    Priority SKU, the operating system asked for (Windows SKUs say so in productName), the
    newest effective date when several remain."""
    wanted = []
    for item in items:
        name = f"{item.get('skuName', '')} {item.get('meterName', '')}".lower()
        windows = "windows" in str(item.get("productName", "")).lower()
        if (
            item.get("type") != "Consumption"
            or "spot" in name
            or "low priority" in name
            or windows != (os == "windows")
            or not str(item.get("unitOfMeasure", "")).lower().endswith("hour")
        ):
            continue
        wanted.append(item)
    if not wanted:
        return None
    newest = max(wanted, key=lambda i: str(i.get("effectiveStartDate", "")))
    return Decimal(str(newest["retailPrice"]))
