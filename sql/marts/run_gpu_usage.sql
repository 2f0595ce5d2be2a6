-- model: marts.run_gpu_usage
-- grain: one row per run and host with GPU telemetry
-- materialized: table
-- description: What a run's GPUs did on a host (see staging.run_gpu_hours for how samples are attributed). gpu_seconds: GPU-seconds with telemetry; util_pct_mean: time-weighted mean utilization (%); idle_gpu_seconds: GPU-seconds below runs.idle_util_pct.
with hours as (
    select * from staging.run_gpu_hours
)

select
    run_id,
    host,
    sum(gpu_s) as gpu_seconds,
    sum(util_gpu_s) / nullif(sum(util_known_s), 0) as util_pct_mean,
    sum(idle_gpu_s) as idle_gpu_seconds
from hours
group by run_id, host
