"""Where each table lives in a parquet store and which columns partition it.

Loaded tables are partitioned the way they are replaced: billing by (billing period, source),
telemetry by (UTC day, source). Partition columns live in the path, not in the files, as Hive,
Spark, Trino and DuckDB all expect.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableLayout:
    table: str  # schema.name, as the models call it
    prefix: str  # folder under the store's root
    partition_by: tuple[str, ...] = ()
    #: written once per load under a unique name, never replaced (load history)
    append_only: bool = False

    def partition_prefix(self, *values: str) -> str:
        if len(values) != len(self.partition_by):
            raise ValueError(f"{self.table} is partitioned by {', '.join(self.partition_by)}")
        parts = [f"{key}={value}" for key, value in zip(self.partition_by, values, strict=True)]
        return "/".join([self.prefix, *parts])


_BY_DAY = ("day", "x_source")

LOADED: dict[str, TableLayout] = {
    t.table: t
    for t in [
        TableLayout("marts.cost_lines", "cost_lines", ("x_billing_period", "x_source")),
        TableLayout("meta.control_totals", "meta/control_totals", ("period", "source")),
        TableLayout("meta.partition_files", "meta/partition_files", ("period", "source")),
        TableLayout("raw.gpu_samples", "telemetry/gpu_samples", _BY_DAY),
        TableLayout("raw.gpu_processes", "telemetry/gpu_processes", _BY_DAY),
        TableLayout("raw.scheduler_jobs", "telemetry/scheduler_jobs", _BY_DAY),
        TableLayout("raw.k8s_pods", "telemetry/k8s_pods", _BY_DAY),
        TableLayout("raw.k8s_nodes", "telemetry/k8s_nodes", _BY_DAY),
        TableLayout("meta.telemetry_days", "meta/telemetry_days", _BY_DAY),
        TableLayout("meta.host_map", "meta/host_map"),
        TableLayout("meta.model_builds", "meta/model_builds"),
        TableLayout("meta.grid_intensity", "meta/grid_intensity"),
        TableLayout("meta.cloud_pue", "meta/cloud_pue"),
        TableLayout("meta.gpu_board_power", "meta/gpu_board_power"),
        TableLayout("marts.budget_status", "marts/budget_status"),
        TableLayout("meta.alerts", "meta/alerts"),
        TableLayout("meta.price_catalog", "meta/price_catalog"),
        TableLayout("meta.loads", "meta/loads", append_only=True),
        TableLayout("meta.load_errors", "meta/load_errors", append_only=True),
    ]
}

#: Telemetry tables a day's load replaces, in the order they are swapped in.
TELEMETRY_TABLES = (
    "raw.gpu_samples",
    "raw.gpu_processes",
    "raw.scheduler_jobs",
    "raw.k8s_pods",
    "raw.k8s_nodes",
    "meta.telemetry_days",
)

#: Small tables that budgets rewrite whole after reading them (see session.py).
REWRITTEN = ("marts.budget_status", "meta.alerts")

#: Hive partition values are text in the path; these are typed when read back.
PARTITION_TYPES = {"day": "DATE"}


def model_layout(name: str, partition_by: tuple[str, ...] = ()) -> TableLayout:
    """A SQL model's table: ``marts.run_cost`` lives under ``marts/run_cost/``."""
    schema, table = name.split(".")
    return TableLayout(name, f"{schema}/{table}", partition_by)


def layout_of(name: str) -> TableLayout:
    return LOADED.get(name) or model_layout(name)
