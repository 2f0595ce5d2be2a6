"""SQL expressions over raw CUR columns, whatever type the export gave them.

Parquet brings doubles, decimals, zoned timestamps and maps; CSV brings text. Each expression
gives the same value from either, so the normalization is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.aws.export import TAG_PREFIX
from connectors.sql_columns import MONEY, SqlColumns, literal, quote

__all__ = ["MONEY", "CurColumns", "literal", "quote"]


@dataclass
class CurColumns(SqlColumns):
    """SQL expressions over a raw CUR relation whose columns have CUR 2.0 names and the given
    DuckDB types: parquet brings doubles, timestamps and maps; CSV brings text."""

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
