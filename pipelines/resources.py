"""The DuckDB warehouse as a Dagster resource: every asset writes through its single-writer lock."""


from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from aispend.warehouse import writer


class WarehouseResource(ConfigurableResource):
    """The warehouse file; ``connect()`` waits for any other writer, so loads never collide."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)

    @contextmanager
    def connect(self, publish: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writer connection; ``publish=False`` for sessions that only read (checks)."""
        with writer(self.file, publish=publish) as con:
            yield con
