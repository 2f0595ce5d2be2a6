-- model: marts.gpu_usage
-- grain: one row per host, GPU (or MIG instance: gpu_unit) and minute (UTC)
-- materialized: table
-- incremental_by: minute
-- lookback: 1 day
-- description: GPU activity by minute: mean utilization (%), max memory used (MiB), mean power (W) and the number of samples behind them.
with samples as (
    select
        host, gpu_index, gpu_unit, date_trunc('minute', ts) as minute, util_pct, mem_used_mib,
        power_w
    from staging.gpu_samples
    where ts >= $range_start
)

select
    host,
    gpu_index,
    gpu_unit,
    minute,
    avg(util_pct) as util_pct_mean,
    max(mem_used_mib) as mem_used_mib_max,
    avg(power_w) as power_w_mean,
    count(*) as samples
from samples
group by host, gpu_index, gpu_unit, minute
