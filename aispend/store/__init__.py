"""The warehouse as Hive-partitioned parquet in a folder or an S3 bucket (``store:`` in the config).

DuckDB's file allows one writer; a parquet store allows one writer per partition, so loads run in
parallel and any engine (DuckDB, Spark, Trino, Athena) reads the same tables.
"""
