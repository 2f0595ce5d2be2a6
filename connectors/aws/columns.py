"""SQL expressions over raw CUR columns, whatever type the export gave them.

Parquet brings doubles, decimals, zoned timestamps and maps; CSV brings text. Each expression
gives the same value from either, so the normalization is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.aws.export import TAG_PREFIX

MONEY = "DECIMAL(38,10)"
_ZONED = r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A constant of our own (never input) as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass
class CurColumns:
    """SQL expressions over a raw CUR relation whose columns have CUR 2.0 names and the given
    DuckDB types: parquet brings doubles, timestamps and maps; CSV brings text."""

    types: Mapping[str, str]
    params: dict[str, Any] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.types

    def text(self, name: str) -> str:
        if name not in self.types:
            return "CAST(NULL AS VARCHAR)"
        value = quote(name) if self.types[name] == "VARCHAR" else f"CAST({quote(name)} AS VARCHAR)"
        return f"nullif(trim({value}), '')"

    def money(self, name: str, strict: bool = True) -> str:
        if name not in self.types:
            return f"CAST(NULL AS {MONEY})"
        cast = "CAST" if strict else "TRY_CAST"
        value = self.text(name) if self.types[name] == "VARCHAR" else quote(name)
        return f"{cast}({value} AS {MONEY})"

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

    def map_value(self, column: str, key: str) -> str:
        """A key of CUR 2.0's ``product`` map: a MAP in parquet, JSON text in CSV."""
        kind = self.types.get(column)
        if kind is None:
            return "CAST(NULL AS VARCHAR)"
        if kind == "VARCHAR":
            return f"nullif(json_extract_string({quote(column)}, {literal('$.' + key)}), '')"
        return f"nullif(CAST({quote(column)}[{literal(key)}] AS VARCHAR), '')"

    def tags(self) -> str:
        """The ``tags`` map: parquet's own map as it is (building a map costs a quarter of a
        second per million rows), rebuilt only where a value is empty or tags come as columns."""
        kind = self.types.get("resource_tags")
        only_map = (
            kind is not None
            and kind.startswith("MAP")
            and not any(name.startswith(TAG_PREFIX) for name in self.types)
        )
        if not only_map:
            return "map_from_entries(_tags)"
        return (
            "CASE WHEN list_bool_or(list_transform(map_values(resource_tags), "
            "lambda v: v IS NULL OR v = '')) THEN map_from_entries(_tags) "
            "ELSE resource_tags END"
        )

    def tag_key_sources(self) -> list[str]:
        """Expressions whose values (lists of keys) are every tag key the rows carry."""
        kind = self.types.get("resource_tags")
        if kind is None:
            return []
        if kind.startswith("MAP"):
            return ["map_keys(resource_tags)"]
        return ["list_transform(resource_tags, lambda e: e.key)"]

    def tag_entries(self) -> str:
        """Resource tags as AWS wrote their keys: ``user:team`` (legacy CSV), ``user_team``
        (parquet, CUR 2.0), as key/value entries without empty values."""
        parts = []
        kind = self.types.get("resource_tags")
        if kind is not None and kind.startswith("MAP"):
            parts.append('map_entries("resource_tags")')
        elif kind is not None:  # already key/value entries (decoded from CSV JSON)
            parts.append('"resource_tags"')
        for name in self.types:
            if name.startswith(TAG_PREFIX):
                key = f"tag_key_{len(self.params)}"
                self.params[key] = name[len(TAG_PREFIX) :]
                parts.append(f"[{{'key': ${key}, 'value': {self.text(name)}}}]")
        if not parts:
            return "CAST(NULL AS STRUCT(key VARCHAR, value VARCHAR)[])"
        combined = parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})"
        return f"list_filter({combined}, lambda e: e.value IS NOT NULL AND e.value <> '')"
