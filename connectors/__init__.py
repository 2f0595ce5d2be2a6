"""Provider connectors: plain-Python readers of billing exports and GPU logs, with no Dagster import.

Each connector says what it reads (files), what periods those hold, and returns raw rows of one
period as a polars LazyFrame; normalizing to the common cost model is a separate pure function.
"""
