"""Azure cost export rows -> marts.cost_lines: actual and amortized exports combined, not added.

Cost Management writes the same usage twice: the actual export (what is invoiced: reservation and
savings plan purchases, commitment-covered usage at 0) and the amortized export (purchases spread
over the usage they cover, plus the unused part of each commitment). Billed cost comes from the
actual export and effective cost from the amortized one. The exports share no row id, so both are
summed to the grain they share (day, resource, meter, charge type, pricing model, commitment,
unit, quantity, currency; see rows.grain_key) and joined there. A purchase has no
amortized twin and keeps its billed cost with effective 0; an unused-commitment row has no actual
twin and gets billed 0. So sum(billed_cost) is the actual export's total and sum(effective_cost)
the amortized export's, each counted once.

With only an actual export, effective cost is the billed cost except for reservation and savings
plan purchases (and refunds), which are 0 as FOCUS asks: load the amortized export to see them
spread onto the usage they cover. With only an amortized export there is no invoice view, so
billed cost is the effective (amortized) cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from connectors.azure.export import COST, azure_date, first_present
from connectors.azure.rows import (
    CURRENCY,
    DATES,
    NUMBERS,
    SUMMED,
    azure_rows,
    grain_key,
    money,
)
from connectors.cost_model import COLUMN_NAMES, conform
from connectors.errors import InputProblem
from connectors.focus.normalize import decode_tags, parse_tags
from connectors.parsing import MONEY

_ZERO = pl.lit(0).cast(MONEY)


AzureKey = tuple[str, str, str]
AzureOnDemand = Callable[[set[AzureKey]], Mapping[AzureKey, Decimal]]


def normalize_azure(
    raw: pl.LazyFrame, *, source: str, period: str, on_demand: AzureOnDemand | None = None
) -> pl.LazyFrame:
    """Raw rows of one billing period (actual, amortized or both) -> cost_lines.

    ``on_demand`` prices spot lines: asked once with the period's (VM size, region, os) keys, it
    gives the pay-as-you-go USD price of an hour, converted with the export's own exchange rate
    (or 1 for a USD bill); without a price, or a rate, a spot line's list cost stays null."""
    rows = azure_rows(raw, source=source, period=period)
    if on_demand is not None:
        rows = _spot_list_cost(rows, on_demand)
    kinds = _kinds(raw)
    if kinds == {"actual", "amortized"}:
        return conform(_combined(rows))
    cost = pl.col("_cost")
    if kinds == {"amortized"}:
        return conform(rows.with_columns(cost.alias("billed_cost"), cost.alias("effective_cost")))
    return conform(
        rows.with_columns(
            cost.alias("billed_cost"),
            pl.when(pl.col("_commitment_purchase"))
            .then(_ZERO)
            .otherwise(cost)
            .alias("effective_cost"),
        )
    )


def _kinds(raw: pl.LazyFrame) -> set[str]:
    if "_kind" not in raw.collect_schema().names():
        return {"actual"}
    return set(
        raw.select(pl.col("_kind").fill_null("actual").unique()).collect().to_series().to_list()
    )


def _combined(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One line per grain: its amortized rows' attributes (else its actual rows'), billed cost
    summed from the actual rows and effective cost from the amortized rows of that grain."""
    actual = rows.filter(pl.col("_kind") == "actual")
    amortized = rows.filter(pl.col("_kind") == "amortized")
    billed = actual.group_by("_grain").agg(pl.col("_cost").sum().alias("billed_cost"))
    effective = amortized.group_by("_grain").agg(pl.col("_cost").sum().alias("effective_cost"))
    only_actual = actual.join(amortized.select("_grain").unique(), on="_grain", how="anti")
    primary = pl.concat([amortized, only_actual]).sort("x_source_file", "x_source_row")
    kept = [
        c
        for c in rows.collect_schema().names()
        if c in COLUMN_NAMES and c not in SUMMED and c not in ("billed_cost", "effective_cost")
    ]
    lines = primary.group_by("_grain", maintain_order=True).agg(
        *[pl.col(c).first() for c in kept],
        # A sum of nothing but nulls stays null (no list price is not a list price of 0).
        *[pl.when(pl.col(c).count() > 0).then(pl.col(c).sum()).alias(c) for c in SUMMED],
    )
    return (
        lines.join(billed, on="_grain", how="left")
        .join(effective, on="_grain", how="left")
        .with_columns(
            pl.col("billed_cost").fill_null(_ZERO), pl.col("effective_cost").fill_null(_ZERO)
        )
        .sort("x_source_file", "x_source_row")
    )


def azure_problems(raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
    """Raw values that do not parse (numbers, dates, tags), by file, row and column.

    Checked on the raw text itself: once the exports are combined, ``lines`` no longer line up
    row for row with ``raw``, so it is not consulted. Every non-empty value of a column the
    normalizer may read must parse, whichever column it ends up reading.
    """
    problems: list[InputProblem] = []
    for column in (*NUMBERS, *DATES, "Tags"):
        if column not in raw.columns:
            continue
        text = raw.get_column(column).cast(pl.Utf8).str.strip_chars()
        given = text.is_not_null() & (text != "")
        if column == "Tags":
            parsed = decode_tags(text)
        elif column in DATES:
            parsed = pl.select(azure_date(pl.lit(text))).to_series()
        else:
            parsed = pl.select(money(pl.lit(text))).to_series()
        offenders = raw.filter(given & parsed.is_null()).select("_file", "_row", column).head(20)
        for file, row, value in offenders.iter_rows():
            problems.append(
                InputProblem(file=file, row=row, column=column, message=_message(column, value))
            )
    return problems


def _message(column: str, value: str) -> str:
    if column == "Tags":
        try:
            parse_tags(value)
        except ValueError as exc:
            return str(exc)
        return f"Tags could not be read: {value[:80]!r}"
    what = "a date" if column in DATES else "a number"
    return f"{what} expected, found {value!r}"


def azure_control_totals(raw: pl.DataFrame) -> list[tuple[str | None, int, Decimal]]:
    """The export's own billed total per currency, summed exactly from the text with Decimal.

    Billed means the actual export's rows (the amortized export's where it is the only one).
    The row count is how many cost lines the period becomes: its rows, or where both exports
    are present the grains they share (see normalize_azure), per currency.
    """
    names = raw.columns
    kinds = (
        set(raw.get_column("_kind").fill_null("actual").to_list())
        if "_kind" in names
        else {"actual"}
    )
    billed_rows = raw.filter(pl.col("_kind") == "actual") if len(kinds) > 1 else raw
    values = billed_rows.select(
        first_present(names, CURRENCY).str.to_uppercase().alias("currency"),
        first_present(names, COST).alias("cost"),
    )
    totals: dict[str | None, list[Any]] = {}
    for code, cost in values.iter_rows():
        entry = totals.setdefault(code, [0, Decimal(0)])
        if cost is not None:
            entry[1] += Decimal(cost)
    counted = raw.select(
        first_present(names, CURRENCY).str.to_uppercase().alias("currency"), grain_key(names)
    )
    if len(kinds) > 1:
        counted = counted.unique("_grain")
    for code, count in counted.group_by("currency").len().iter_rows():
        totals.setdefault(code, [0, Decimal(0)])[0] = count
    return [(code, count, total) for code, (count, total) in totals.items()]


def _spot_list_cost(rows: pl.LazyFrame, on_demand: AzureOnDemand) -> pl.LazyFrame:
    keys = ["_vm_size", "_region_key", "_os"]
    wanted = (
        rows.filter(
            pl.col("_spot_hours")
            & pl.col("_vm_size").is_not_null()
            & pl.col("_region_key").is_not_null()
        )
        .select(keys)
        .unique()
        .collect()
    )
    if wanted.is_empty():
        return rows
    prices = on_demand({(str(a), str(b), str(c)) for a, b, c in wanted.iter_rows()})
    if not prices:
        return rows
    table = pl.DataFrame(
        [(*k, str(v)) for k, v in prices.items()],
        schema={"_vm_size": pl.Utf8, "_region_key": pl.Utf8, "_os": pl.Utf8, "_price": pl.Utf8},
        orient="row",
    ).with_columns(pl.col("_price").cast(MONEY))
    filled = (pl.col("_price") * pl.col("usage_quantity") * pl.col("_usd_rate")).cast(MONEY)
    return (
        rows.join(table.lazy(), on=keys, how="left")
        .with_columns(
            pl.when(pl.col("_spot_hours") & pl.col("list_cost").is_null())
            .then(filled)
            .otherwise(pl.col("list_cost"))
            .alias("list_cost")
        )
        .drop("_price")
    )
