"""On-demand prices for spot lines, from the warehouse's cache, the public price lists, or the
small catalog bundled for offline use, in that order of preference.

Prices are fetched only when a period actually has spot lines, cached in ``meta.price_catalog``
with their fetch date, and refetched after ``prices.max_age_days``. A price list that cannot be
reached never fails a load: the cache (however old) or the bundled catalog answers, and a spot
line with no price keeps a null list cost, counted in ``marts.savings.lines_without_list``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from aispend.config import AispendConfig
from aispend.warehouse import transaction, utc_now, writer
from connectors.azure import prices as azure
from connectors.gcp import prices as gcp

BUNDLED = Path(__file__).resolve().parent / "demo_data" / "catalog" / "prices.json"
AzureKey = tuple[str, str, str]  # (VM size, region, os), lower case
log = logging.getLogger(__name__)
_ACTIVE: ContextVar[duckdb.DuckDBPyConnection | None] = ContextVar(
    "price_catalog_con", default=None
)

_COLUMNS = (
    "provider",
    "sku_id",
    "description",
    "region",
    "os",
    "usage_unit",
    "currency",
    "unit_price",
    "on_demand_sku_id",
    "on_demand_price",
)


def lookup_for(
    price_list: str | None, config: AispendConfig, warehouse: Path
) -> Callable[[set[Any]], Any] | None:
    """The lookup a source kind's ``on_demand_prices`` names (connectors/registry.py)."""
    if price_list is None:
        return None
    lookups: dict[str, Callable[[AispendConfig, Path], Callable[[set[Any]], Any]]] = {
        "gcp": gcp_lookup,
        "azure": azure_lookup,
    }
    return lookups[price_list](config, warehouse)


def gcp_lookup(config: AispendConfig, warehouse: Path) -> Callable[[set[str]], dict[str, Decimal]]:
    """spot SKU ids -> the USD price per pricing unit of their on-demand equivalent."""

    def lookup(spot_skus: set[str]) -> dict[str, Decimal]:
        if not spot_skus:
            return {}
        cached = _cached(warehouse, "gcp")
        rows = _fresh(cached, config.prices.max_age_days)
        if not rows and config.prices.fetch:
            try:
                client = gcp.catalog_client(config.prices.gcp_catalog_endpoint)
                fetched = [_row(p) for p in gcp.fetch_skus(client)]
                _store(warehouse, "gcp", fetched)
                rows = fetched
            except Exception as exc:  # noqa: BLE001 - an unreachable price list never fails a load
                log.warning("GCP Cloud Catalog not reachable (%s); using cached prices", exc)
        rows = rows or cached or _bundled("gcp")
        found = {r["sku_id"]: r["on_demand_price"] for r in rows if r["on_demand_price"]}
        return {sku: Decimal(str(found[sku])) for sku in spot_skus if sku in found}

    return lookup


def azure_lookup(
    config: AispendConfig, warehouse: Path
) -> Callable[[set[AzureKey]], dict[AzureKey, Decimal]]:
    """(VM size, region, os) -> the pay-as-you-go USD price of an hour."""

    def lookup(keys: set[AzureKey]) -> dict[AzureKey, Decimal]:
        if not keys:
            return {}
        cached = _cached(warehouse, "azure")
        known = _azure_prices(_fresh(cached, config.prices.max_age_days))
        missing = [k for k in keys if k not in known]
        if missing and config.prices.fetch:
            fetched = []
            for size, region, os in missing:
                try:
                    items = azure.fetch_items(size, region, base_url=config.prices.azure_retail_url)
                except Exception as exc:  # noqa: BLE001
                    log.warning("Azure Retail Prices not reachable (%s)", exc)
                    break
                price = azure.on_demand_price(items, os)
                if price is not None:
                    fetched.append(
                        {
                            "provider": "azure",
                            "sku_id": size,
                            "description": size,
                            "region": region,
                            "os": os,
                            "usage_unit": "1 Hour",
                            "currency": "USD",
                            "unit_price": price,
                            "on_demand_sku_id": size,
                            "on_demand_price": price,
                        }
                    )
            if fetched:
                _store(warehouse, "azure", fetched, replace=False)
                known.update(_azure_prices(fetched))
        for fallback in (cached, _bundled("azure")):
            for key, price in _azure_prices(fallback).items():
                known.setdefault(key, price)
        return {k: known[k] for k in keys if k in known}

    return lookup


def _azure_prices(rows: Iterable[dict[str, object]]) -> dict[AzureKey, Decimal]:
    return {
        (str(r["sku_id"]).lower(), str(r["region"]).lower(), str(r["os"]).lower()): Decimal(
            str(r["on_demand_price"])
        )
        for r in rows
        if r["on_demand_price"] is not None
    }


def _row(price: gcp.Price) -> dict[str, object]:
    return {
        "provider": "gcp",
        "sku_id": price.sku_id,
        "description": price.description,
        "region": price.region,
        "os": None,
        "usage_unit": price.usage_unit,
        "currency": price.currency,
        "unit_price": price.unit_price,
        "on_demand_sku_id": price.on_demand_sku_id,
        "on_demand_price": price.on_demand_price,
    }


@contextmanager
def using(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within a load that already holds the writer (and its transaction), read and write the
    cache through that connection: opening a second writer would wait for ourselves."""
    token = _ACTIVE.set(con)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextmanager
def _connection(warehouse: Path, publish: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    active = _ACTIVE.get()
    if active is not None:
        yield active
        return
    with writer(warehouse, publish=publish) as con, transaction(con):
        yield con


def _cached(warehouse: Path, provider: str) -> list[dict[str, object]]:
    """Every cached price of ``provider``, with its ``fetched_at``."""
    if _ACTIVE.get() is None and not warehouse.exists():
        return []
    with _connection(warehouse, publish=False) as con:
        rows = con.execute(
            f"SELECT {', '.join(_COLUMNS)}, fetched_at FROM meta.price_catalog WHERE provider = ?",
            [provider],
        ).fetchall()
    return [dict(zip((*_COLUMNS, "fetched_at"), row, strict=True)) for row in rows]


def _fresh(rows: list[dict[str, object]], max_age_days: int) -> list[dict[str, object]]:
    cutoff = utc_now() - timedelta(days=max_age_days)
    return [r for r in rows if isinstance(r["fetched_at"], datetime) and r["fetched_at"] >= cutoff]


def _store(
    warehouse: Path, provider: str, rows: list[dict[str, object]], replace: bool = True
) -> None:
    fetched_at = utc_now()
    with _connection(warehouse, publish=True) as con:
        if replace:
            con.execute("DELETE FROM meta.price_catalog WHERE provider = ?", [provider])
        else:
            for r in rows:
                con.execute(
                    "DELETE FROM meta.price_catalog WHERE provider = ? AND sku_id = ? "
                    "AND region = ? AND os = ?",
                    [provider, r["sku_id"], r["region"], r["os"]],
                )
        if rows:
            con.executemany(
                f"INSERT INTO meta.price_catalog VALUES ({', '.join('?' * 11)})",
                [[r[c] for c in _COLUMNS] + [fetched_at] for r in rows],
            )


def _bundled(provider: str) -> list[dict[str, object]]:
    data = json.loads(BUNDLED.read_text(encoding="utf-8"))
    return [
        {c: row.get(c) for c in _COLUMNS} for row in data["prices"] if row["provider"] == provider
    ]
