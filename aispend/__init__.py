"""aispend: a warehouse for cloud AI spend (bills and GPU logs joined in DuckDB)."""

__version__ = "0.1.0"
