"""The cost_lines columns derived from an instance type: GPUs, GPU model, other accelerators,
and GPU-hours. Shared by every billing normalizer so all providers count GPU-hours the same way."""

from __future__ import annotations

import polars as pl

from connectors.gpu_sizes import accelerators
from connectors.parsing import MONEY

_LOOKUP = pl.Struct(
    {
        "gpus": pl.Float64,
        "gpu_model": pl.Utf8,
        "accelerators": pl.Float64,
        "accelerator_type": pl.Utf8,
    }
)


def _lookup(instance_types: pl.Series) -> pl.Series:
    """One catalog lookup per distinct instance type, broadcast back to the rows."""
    found = {}
    for name in instance_types.drop_nulls().unique().to_list():
        hit = accelerators(name)
        if hit is not None:
            found[name] = {
                "gpus": hit.gpus,
                "gpu_model": hit.gpu_model,
                "accelerators": hit.accelerators,
                "accelerator_type": hit.accelerator_type,
            }
    keys = pl.DataFrame({"k": list(found)}, schema={"k": pl.Utf8})
    values = pl.Series("v", list(found.values()), dtype=_LOOKUP)
    table = keys.with_columns(values)
    frame = pl.DataFrame({"k": instance_types.cast(pl.Utf8)})
    return frame.join(table, on="k", how="left", maintain_order="left").get_column("v")


def accelerator_columns(
    instance_type: pl.Expr, usage_quantity: pl.Expr, counts_gpu_hours: pl.Expr
) -> list[pl.Expr]:
    """x_instance_type, x_gpu_count, x_gpu_model, x_accelerator_count, x_accelerator_type and
    x_gpu_hours (usage hours x GPUs, only where ``counts_gpu_hours`` holds)."""
    info = instance_type.map_batches(_lookup, return_dtype=_LOOKUP)
    gpus = info.struct.field("gpus").cast(MONEY)
    return [
        instance_type.alias("x_instance_type"),
        gpus.alias("x_gpu_count"),
        info.struct.field("gpu_model").alias("x_gpu_model"),
        info.struct.field("accelerators").cast(MONEY).alias("x_accelerator_count"),
        info.struct.field("accelerator_type").alias("x_accelerator_type"),
        pl.when(counts_gpu_hours & gpus.is_not_null())
        .then(usage_quantity * gpus)
        .cast(MONEY)
        .alias("x_gpu_hours"),
    ]
