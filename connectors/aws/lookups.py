"""Small tables the CUR normalization joins: the GPU catalog and AWS service categories.

One hash join against a few hundred rows costs nothing at tens of millions of lines, where a
lookup per row (or per batch, in Python) does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from connectors.gpu_sizes import catalog_entries

_CATEGORIES = Path(__file__).resolve().parents[1] / "data" / "aws_service_categories.csv"
#: The names the normalization joins them under.
ACCELERATORS = "cur_accelerators"
SERVICE_CATEGORIES = "cur_service_categories"


@cache
def accelerator_table() -> pa.Table:
    """Every instance-type key the GPU catalog knows, for one hash join instead of a lookup per
    row; keys are lower case without SageMaker's ``ml.`` prefix, as the join key is."""
    rows = catalog_entries()
    return pa.table(
        {
            "key": [key for key, _ in rows],
            "gpus": pa.array([hit.gpus for _, hit in rows], pa.float64()),
            "gpu_model": [hit.gpu_model for _, hit in rows],
            "accelerators": pa.array([hit.accelerators for _, hit in rows], pa.float64()),
            "accelerator_type": pa.array([hit.accelerator_type for _, hit in rows], pa.string()),
        }
    )


def accelerator_key(instance_type: str) -> str:
    """The SQL of ``instance_type``'s matching form, the key ``accelerator_table`` is joined on."""
    return f"regexp_replace(lower(trim({instance_type})), '^ml[.]', '')"


@cache
def service_category_table() -> pa.Table:
    table = pacsv.read_csv(_CATEGORIES)
    return table.rename_columns(["product_code", "category"])


@contextmanager
def lookups(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The GPU catalog and service categories as tables the statement joins."""
    con.register(ACCELERATORS, accelerator_table())
    con.register(SERVICE_CATEGORIES, service_category_table())
    try:
        yield
    finally:
        unregister(con, ACCELERATORS, SERVICE_CATEGORIES)


def unregister(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop views registered for one statement; in a transaction aborted by bad input, its
    rollback drops them instead."""
    for name in names:
        try:
            con.unregister(name)
        except duckdb.TransactionException:
            return
