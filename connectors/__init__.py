"""Provider connectors: plain-Python readers of billing exports and GPU logs, no Dagster.

Each connector says what it reads (files), what periods those hold, and returns raw rows of one
period as a polars LazyFrame; normalizing to the common cost model is a separate pure function.
"""
