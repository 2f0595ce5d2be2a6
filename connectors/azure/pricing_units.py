"""Azure units of measure -> pricing block size and distinct unit (FinOps toolkit open data).

Azure prices some meters per block of units: a ``10 Hours`` meter's Quantity counts blocks of ten
hours, and its PayGPrice is per block. Cost is Quantity x price as written, but the quantity a
person reads (and GPU-hours) must be in single units, so Quantity x block size, in the distinct
unit (Hours). The table is the FinOps toolkit's PricingUnits.csv, see data/SOURCES.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from connectors.parsing import MONEY

_TABLE = Path(__file__).resolve().parents[1] / "data" / "azure_pricing_units.csv"


@cache
def _units() -> tuple[dict[str, str], dict[str, str]]:
    """(unit of measure -> block size, unit of measure -> distinct unit), keyed case-insensitively
    with surrounding spaces removed (the table lists ``1 hour`` and ``1 Hour`` alike)."""
    table = pl.read_csv(_TABLE, infer_schema=False)
    blocks: dict[str, str] = {}
    distinct: dict[str, str] = {}
    for unit, block, name in table.select(
        "UnitOfMeasure", "PricingBlockSize", "DistinctUnits"
    ).iter_rows():
        key = unit.strip().lower()
        blocks.setdefault(key, block.strip())
        distinct.setdefault(key, name.strip())
    return blocks, distinct


def block_size(unit: pl.Expr) -> pl.Expr:
    """How many distinct units one unit of Quantity is; 1 where the unit is not in the table
    (no guess: the quantity then stays as the export wrote it)."""
    blocks, _ = _units()
    key = unit.str.strip_chars().str.to_lowercase()
    found = key.replace_strict(blocks, default=None, return_dtype=pl.Utf8)
    return found.cast(MONEY).fill_null(pl.lit(1).cast(MONEY))


def distinct_unit(unit: pl.Expr) -> pl.Expr:
    """The single unit the block counts (``10 Hours`` -> ``Hours``); the unit as written where
    the table does not know it."""
    _, distinct = _units()
    written = unit.str.strip_chars()
    found = written.str.to_lowercase().replace_strict(distinct, default=None, return_dtype=pl.Utf8)
    return pl.coalesce(found, written.replace("", None))
