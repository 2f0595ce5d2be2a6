"""SQL expressions over raw export columns, whatever type the file gave them.

Parquet brings doubles, decimals and zoned timestamps; CSV brings text. Each expression gives the
same value from either, so a connector that normalizes in DuckDB writes its normalization once.
Strict expressions make a statement fail on a value that is not what its column holds; the
connector then finds the file, row and column with the non-strict form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

MONEY = "DECIMAL(38,10)"
_NARROW_MONEY = "DECIMAL(18,10)"
_ZONED = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A constant of our own (never input) as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    """Constants of our own as the list of an ``IN``."""
    return "(" + ", ".join(literal(v) for v in values) + ")"


def case_map(value: str, mapping: Mapping[str, str], default: str) -> str:
    """``value`` looked up in ``mapping`` (constants of our own), else ``default``."""
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in mapping.items())
    return f"CASE {value} {cases} ELSE {default} END"


def select_list(select: Mapping[str, str], names: Iterable[str]) -> str:
    """``names`` in order, each from its expression in ``select`` or as NULL."""
    return ",\n    ".join(
        f"{select[name]} AS {quote(name)}" if name in select else f"NULL AS {quote(name)}"
        for name in names
    )


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Each column of ``relation`` (a table, view or scanned name) with its DuckDB type."""
    rows = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {relation})").fetchall()
    return {name: kind for name, kind in rows}


@dataclass
class SqlColumns:
    """Expressions over a raw relation whose columns have the given DuckDB types.

    ``null_text``: values that mean "no value" in text columns (``NULL``, ``N/A``) apart from
    the columns in ``keep_text``, where such a marker stays text so that a bill column written
    ``N/A`` is refused rather than summed as nothing."""

    types: Mapping[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    null_text: tuple[str, ...] = ()
    keep_text: frozenset[str] = frozenset()
    #: Text columns were already cleaned (trimmed, markers nulled) by ``clean``.
    cleaned: bool = False

    def has(self, name: str) -> bool:
        return name in self.types

    def text(self, name: str) -> str:
        if name not in self.types:
            return "CAST(NULL AS VARCHAR)"
        if self.cleaned and self.types[name] == "VARCHAR":
            return quote(name)
        value = quote(name) if self.types[name] == "VARCHAR" else f"CAST({quote(name)} AS VARCHAR)"
        if self.null_text and name not in self.keep_text and self.types[name] == "VARCHAR":
            markers = ", ".join(literal(m) for m in self.null_text)
            return f"CASE WHEN {value} IN ({markers}) THEN NULL ELSE {_trimmed(value)} END"
        return _trimmed(value)

    def money(self, name: str, strict: bool = True) -> str:
        if name not in self.types:
            return f"CAST(NULL AS {MONEY})"
        cast = "CAST" if strict else "TRY_CAST"
        kind = self.types[name]
        value = self.text(name) if kind == "VARCHAR" else quote(name)
        if kind != "VARCHAR":
            return f"{cast}({value} AS {MONEY})"
        # Parsing text into a 128-bit decimal costs about 1.5 s per million values, into a
        # 64-bit one 0.05 s; both round alike, so the wide one is left to values over 10^8.
        return f"coalesce(TRY_CAST({value} AS {_NARROW_MONEY}), {cast}({value} AS {MONEY}))"

    def timestamp(self, name: str, strict: bool = True) -> str:
        kind = self.types.get(name)
        if kind is None:
            return "CAST(NULL AS TIMESTAMP)"
        column = quote(name)
        if kind.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone('UTC', {column})"
        if kind.startswith("TIMESTAMP") or kind == "DATE":
            return f"CAST({column} AS TIMESTAMP)"
        cast = "CAST" if strict else "TRY_CAST"
        text = self.text(name)
        return (
            f"CASE WHEN regexp_matches({text}, '{_ZONED}') "
            f"THEN timezone('UTC', {cast}({text} AS TIMESTAMPTZ)) "
            f"ELSE {cast}({text} AS TIMESTAMP) END"
        )


def _trimmed(value: str) -> str:
    """``value`` without surrounding spaces, empty as null. DuckDB's trim walks every character
    as Unicode (0.3 s per million values); most values have no space to trim, and telling so
    compares two bytes (each further byte tested costs as much again, so a value that starts or
    ends with only a tab keeps it: a number or time so written then fails to parse, loudly)."""
    return (
        f"nullif(CASE WHEN starts_with({value}, ' ') OR ends_with({value}, ' ') "
        f"THEN trim({value}, chr(32) || chr(9) || chr(10) || chr(13)) ELSE {value} END, '')"
    )
