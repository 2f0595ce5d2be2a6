"""meta/reader_snapshot: the copy of the warehouse that readers (``aispend sql``, BI tools on
``aispend.read.duckdb``) open, refreshed once at the end of a job.

Writer sessions only mark the warehouse as changed; copying the whole file after each of them
(every partition, every model) made a night's work grow with the warehouse's size times the
number of assets. This asset depends on every other one, so it runs last in any job that
selects it, and readers see each job's result whole.
"""

from collections.abc import Sequence
from typing import Any

from dagster import AssetKey, AssetsDefinition, MaterializeResult, asset

from aispend.config import AispendConfig
from aispend.storage import open_warehouse

SNAPSHOT_KEY = AssetKey(["meta", "reader_snapshot"])


def snapshot_asset(config: AispendConfig, deps: Sequence[AssetKey]) -> AssetsDefinition:
    @asset(
        key=SNAPSHOT_KEY,
        deps=list(deps),
        group_name="meta",
        kinds={"duckdb"},
        description="The read-only copy of the warehouse that readers open "
        "(aispend.read.duckdb), refreshed after everything else in the job.",
    )
    def _snapshot() -> MaterializeResult[Any]:
        copied = open_warehouse(config).publish()
        return MaterializeResult(metadata={"copied": copied})

    return _snapshot
