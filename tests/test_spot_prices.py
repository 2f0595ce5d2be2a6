"""Spot lines priced on demand from the public price lists, served here by local servers in the
APIs' documented JSON shapes: GCP's Cloud Catalog through the real google-cloud-billing client,
the Azure Retail Prices API over HTTP. Savings are checked to the cent against hand-worked sums.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from connectors.azure import prices as azure
from connectors.gcp import prices as gcp
from tests.gcp_exports import H100_SPOT_SKU, export_rows, jsonl_gz
from tests.test_azure_cost import HEADER, SPOT


def _sku(sku_id: str, description: str, usage_type: str, units: str, nanos: int) -> dict[str, Any]:
    """A SKU as cloudbilling.googleapis.com/v1/services/*/skus lists it."""
    return {
        "name": f"services/6F81-5844-456A/skus/{sku_id}",
        "skuId": sku_id,
        "description": description,
        "category": {
            "serviceDisplayName": "Compute Engine",
            "resourceFamily": "Compute",
            "resourceGroup": "GPU",
            "usageType": usage_type,
        },
        "serviceRegions": ["us-central1", "us-east1"],
        "pricingInfo": [
            {
                "effectiveTime": "2026-11-01T00:00:00Z",
                "pricingExpression": {
                    "usageUnit": "h",
                    "usageUnitDescription": "hour",
                    "baseUnit": "s",
                    "baseUnitConversionFactor": 3600,
                    "displayQuantity": 1,
                    "tieredRates": [
                        {
                            "startUsageAmount": 0,
                            "unitPrice": {"currencyCode": "USD", "units": units, "nanos": nanos},
                        }
                    ],
                },
                "currencyConversionRate": 1,
            }
        ],
        "serviceProviderName": "Google",
    }


GCP_PAGES = {
    "": {
        "skus": [
            _sku(
                "0C3D-H100-OD01",
                "Nvidia H100 80GB GPU running in Americas",
                "OnDemand",
                "9",
                800_000_000,
            ),
            _sku(
                H100_SPOT_SKU,
                "Spot Preemptible Nvidia H100 80GB GPU running in Americas",
                "Preemptible",
                "2",
                800_000_000,
            ),
        ],
        "nextPageToken": "page-2",
    },
    "page-2": {
        "skus": [
            _sku(
                "0A1B-A100-OD01",
                "Nvidia A100 80GB GPU running in Americas",
                "OnDemand",
                "5",
                70_000_000,
            ),
            _sku(
                "0A1B-A100-SP01",
                "Spot Preemptible Nvidia A100 80GB GPU running in Americas",
                "Preemptible",
                "1",
                600_000_000,
            ),
        ]
    },
}


def _item(
    sku: str,
    price: float,
    *,
    product: str = "Virtual Machines NCadsA100v4 Series",
    kind: str = "Consumption",
    start: str = "2025-04-01T00:00:00Z",
) -> dict[str, Any]:
    """An item as prices.azure.com/api/retail/prices returns it."""
    return {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": "eastus",
        "location": "US East",
        "effectiveStartDate": start,
        "meterId": f"m-{sku}",
        "meterName": sku,
        "productName": product,
        "skuName": sku,
        "serviceName": "Virtual Machines",
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": kind,
        "isPrimaryMeterRegion": True,
        "armSkuName": "Standard_NC24ads_A100_v4",
    }


AZURE_PAGES = {
    "": {
        "Items": [
            _item("NC24ads A100 v4 Spot", 0.97),
            _item("NC24ads A100 v4 Low Priority", 0.73),
            _item("NC24ads A100 v4", 4.99, product="Virtual Machines NCadsA100v4 Series Windows"),
        ],
        "NextPageLink": "/api/retail/prices?page=2",
    },
    "2": {
        "Items": [
            _item("NC24ads A100 v4", 3.40, start="2023-01-01T00:00:00Z"),
            _item("NC24ads A100 v4", 3.673),
            _item("NC24ads A100 v4", 1.10, kind="DevTestConsumption"),
        ],
        "NextPageLink": None,
    },
}


class PriceServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path.endswith("/skus"):
                    body = GCP_PAGES[query.get("pageToken", [""])[0]]
                else:
                    body = AZURE_PAGES[query.get("page", [""])[0]]
                    if body.get("NextPageLink"):
                        body = {**body, "NextPageLink": server.url + body["NextPageLink"]}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def prices() -> Iterator[PriceServer]:
    server = PriceServer()
    yield server
    server.httpd.shutdown()


def test_the_real_catalog_client_pairs_spot_skus_with_their_on_demand_price(
    prices: PriceServer,
) -> None:
    found = {p.sku_id: p for p in gcp.fetch_skus(gcp.catalog_client(prices.url))}
    assert len(found) == 4  # both pages
    spot = found[H100_SPOT_SKU]
    assert (spot.unit_price, spot.on_demand_sku_id, spot.on_demand_price) == (
        D("2.8"),
        "0C3D-H100-OD01",
        D("9.8"),
    )  # units 9 + 800000000 nanos
    assert found["0A1B-A100-SP01"].on_demand_price == D("5.07")
    assert found["0C3D-H100-OD01"].on_demand_sku_id is None


def test_retail_prices_keep_pay_as_you_go_linux_only(prices: PriceServer) -> None:
    items = azure.fetch_items(
        "Standard_NC24ads_A100_v4", "eastus", base_url=f"{prices.url}/api/retail/prices"
    )
    assert len(items) == 6  # two pages
    # not Spot 0.97, Low Priority 0.73, Windows 4.99, DevTest 1.10, nor the older 3.40
    assert azure.on_demand_price(items, "linux") == D("3.673")
    assert azure.on_demand_price(items, "windows") == D("4.99")


def _config(
    folder: Path, source: dict[str, str], store: str | None = None, **prices: object
) -> None:
    extra = {"store": store} if store else {}
    (folder / "aispend.yaml").write_text(
        yaml.safe_dump({"warehouse": "wh.duckdb", "sources": [source], "prices": prices, **extra})
    )


def _spot_savings(cli: Any) -> dict[str, Any]:
    result = cli(
        "sql",
        "--format",
        "json",
        "select list_cost, effective_cost, savings, lines_without_list "
        "from marts.savings where kind = 'spot'",
    )
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    return row  # type: ignore[no-any-return]


@pytest.mark.parametrize("store", [None, "lake"], ids=["duckdb_file", "parquet_store"])
def test_gcp_spot_h100_savings_to_the_cent_and_the_catalog_is_cached(
    cli,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    prices: PriceServer,
    store: str | None,
) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "b.json.gz").write_bytes(jsonl_gz(export_rows()))
    _config(
        tmp_path,
        {"name": "gcp", "kind": "gcp_billing", "path": "export"},
        store=store,
        gcp_catalog_endpoint=prices.url,
    )
    assert cli("run").exit_code == 0
    # 8 H100 GPU-hours on spot for 22.40; on demand 8 x 9.80 = 78.40; saved 56.00
    assert _spot_savings(cli) == {
        "list_cost": 78.4,
        "effective_cost": 22.4,
        "savings": 56.0,
        "lines_without_list": 0,
    }
    fetched = len(prices.requests)
    assert fetched == 2  # both catalog pages, once
    assert cli("run", "--period", "2026-10").exit_code == 0
    assert len(prices.requests) == fetched  # the warehouse's cache answered
    cached = cli(
        "sql",
        "--format",
        "json",
        "select count(*) as n, min(fetched_at) is not null "
        "as dated from meta.price_catalog where provider = 'gcp'",
    )
    assert json.loads(cached.output) == [{"n": 4, "dated": True}]


def test_offline_the_bundled_catalog_prices_gcp_spot(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "b.json.gz").write_bytes(jsonl_gz(export_rows()))
    _config(tmp_path, {"name": "gcp", "kind": "gcp_billing", "path": "export"}, fetch=False)
    assert cli("run").exit_code == 0
    assert _spot_savings(cli)["savings"] == 56.0  # the bundled H100 price is also 9.80


def test_azure_spot_gets_the_retail_pay_as_you_go_price(
    cli,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    prices: PriceServer,
) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "actual.csv").write_text(HEADER + SPOT)
    _config(
        tmp_path,
        {"name": "azure", "kind": "azure_cost", "path": "export"},
        azure_retail_url=f"{prices.url}/api/retail/prices",
    )
    assert cli("run").exit_code == 0
    # 10 hours of NC24ads A100 v4 spot for 14.70; pay as you go 10 x 3.673 = 36.73; saved 22.03
    assert _spot_savings(cli) == {
        "list_cost": 36.73,
        "effective_cost": 14.7,
        "savings": 22.03,
        "lines_without_list": 0,
    }
