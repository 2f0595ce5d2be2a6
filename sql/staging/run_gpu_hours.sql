-- model: staging.run_gpu_hours
-- grain: one row per run, host and UTC hour with GPU telemetry
-- materialized: table
-- incremental_by: hour_start
-- description: What a run's GPUs did, attributed sample by sample before any rollup, then cut at hour boundaries so it can be priced by the billed hour. Samples meet runs on (host, UTC hour), so the work grows with the samples, not with samples x runs on a host. Where DCGM labels samples with the run's pod or Slurm job (hpc_job), the run holds exactly those GPUs; otherwise it holds its share of the node's GPUs (gpu_count / GPUs seen on the host that UTC day). Both are told per UTC day, so a new day of telemetry changes only the hours from that day on. gpu_s: GPU-seconds with telemetry; util_gpu_s: the sum of GPU-seconds x utilization (%); util_known_s: GPU-seconds with a utilization reading; idle_gpu_s: GPU-seconds below runs.idle_util_pct. energy_j: joules the run's GPUs drew (each sample's span power over the part of its span inside the run and the hour, times the run's weight); idle_energy_j: the part drawn below runs.idle_util_pct; power_known_s: GPU-seconds with a power reading; limit_energy_j and limit_j: energy and limit x seconds where both power and the GPU's power limit are known (their ratio is the mean power as a share of the limit); sm_gpu_s/sm_known_s, tensor_gpu_s/tensor_known_s, dram_gpu_s/dram_known_s: DCGM profiling ratio x GPU-seconds and the GPU-seconds that had it.
with node_gpus as (
    select
        host,
        cast(floor(epoch(ts) / 86400) as bigint) as day_index,
        count(distinct gpu_index) as gpus
    from staging.gpu_samples
    where ts >= $range_start
    group by host, cast(floor(epoch(ts) / 86400) as bigint)
),

runs as (
    select
        run_id,
        host,
        gpu_count,
        epoch(started_at) as start_s,
        epoch(coalesce(ended_at, current_timestamp)) as end_s
    from staging.scheduled_runs
    where epoch(coalesce(ended_at, current_timestamp)) > epoch($range_start)
),

run_hour_list as (
    -- a run once per UTC hour it touches from $range_start on
    select r.*, h.hour_index
    from runs as r
    cross join
        unnest(range(cast(greatest(floor(r.start_s / 3600), floor(epoch($range_start) / 3600))
                          as bigint),
                     cast(ceil(r.end_s / 3600) as bigint))) as h (hour_index)
),

run_hours as (
    -- with its share of the node's GPUs that day
    select
        r.run_id,
        r.host,
        r.start_s,
        r.end_s,
        r.hour_index,
        r.gpu_count / n.gpus as share
    from run_hour_list as r
    inner join node_gpus as n
        on r.host = n.host and n.day_index = cast(floor(r.hour_index / 24) as bigint)
),

sample_hours as (
    -- a sample once per UTC hour its span touches from $range_start on (one, unless it
    -- crosses the hour); spans are shorter than a day, so those that reach into the range
    -- start within the day before it
    select
        s.host,
        s.util_pct,
        s.span_power_w,
        s.limit_w,
        s.sm_active,
        s.tensor_active,
        s.dram_active,
        s.start_s,
        s.end_s,
        coalesce(s.namespace || '/' || s.pod, 'job:' || s.job) as label,
        h.hour_index
    from staging.gpu_sample_spans as s
    cross join
        unnest(range(cast(greatest(floor(s.start_s / 3600), floor(epoch($range_start) / 3600))
                          as bigint),
                     cast(ceil(s.end_s / 3600) as bigint))) as h (hour_index)
    where s.ts >= $range_start - interval 1 day and s.end_s > epoch($range_start)
),

run_labels as (
    -- what DCGM writes on the samples of a run's GPUs: its pod, or its Slurm job id (hpc_job)
    select distinct
        j.run_id,
        h.host,
        coalesce(j.namespace || '/' || j.pod, 'job:' || j.job) as label
    from raw.scheduler_jobs as j
    cross join unnest(j.hosts) as h (host)
    where j.pod is not null or j.job is not null
),

labelled as (
    -- the (run, host, UTC day)s whose samples carry the run's label
    select distinct p.run_id, p.host, s.day_index
    from run_labels as p
    inner join (
        select distinct host, label, cast(floor(hour_index / 24) as bigint) as day_index
        from sample_hours
        where label is not null
    ) as s on p.host = s.host and p.label = s.label
),

by_label as (
    select
        r.run_id,
        r.host,
        r.hour_index,
        s.util_pct,
        s.span_power_w,
        s.limit_w,
        s.sm_active,
        s.tensor_active,
        s.dram_active,
        1.0 as weight,
        greatest(s.start_s, r.start_s, r.hour_index * 3600) as from_s,
        least(s.end_s, r.end_s, (r.hour_index + 1) * 3600) as to_s
    from run_hours as r
    inner join run_labels as p on r.run_id = p.run_id and r.host = p.host
    inner join sample_hours as s
        on p.host = s.host and r.hour_index = s.hour_index and p.label = s.label
        and s.end_s > r.start_s and s.start_s < r.end_s
),

by_share as (
    select
        r.run_id,
        r.host,
        r.hour_index,
        s.util_pct,
        s.span_power_w,
        s.limit_w,
        s.sm_active,
        s.tensor_active,
        s.dram_active,
        r.share as weight,
        greatest(s.start_s, r.start_s, r.hour_index * 3600) as from_s,
        least(s.end_s, r.end_s, (r.hour_index + 1) * 3600) as to_s
    from run_hours as r
    inner join sample_hours as s
        on r.host = s.host and r.hour_index = s.hour_index
        and s.end_s > r.start_s and s.start_s < r.end_s
    where not exists (
        select 1
        from labelled as l
        where
            l.run_id = r.run_id and l.host = r.host
            and l.day_index = cast(floor(r.hour_index / 24) as bigint)
    )
),

cut as (
    select
        run_id,
        host,
        util_pct,
        span_power_w,
        limit_w,
        sm_active,
        tensor_active,
        dram_active,
        hour_index * 3600 as hour_s,
        weight * (to_s - from_s) as gpu_s,
        weight * (to_s - from_s) * span_power_w as energy_j
    from (
        select * from by_label
        union all
        select * from by_share
    ) as attributed
)

select
    run_id,
    host,
    hour_s,
    to_timestamp(hour_s) at time zone 'UTC' as hour_start,
    sum(gpu_s) as gpu_s,
    sum(case when util_pct is not null then gpu_s * util_pct else 0 end) as util_gpu_s,
    sum(case when util_pct is not null then gpu_s else 0 end) as util_known_s,
    sum(case when util_pct < $idle_util_pct then gpu_s else 0 end) as idle_gpu_s,
    sum(coalesce(energy_j, 0)) as energy_j,
    sum(case when util_pct < $idle_util_pct then coalesce(energy_j, 0) else 0 end)
        as idle_energy_j,
    sum(case when span_power_w is not null then gpu_s else 0 end) as power_known_s,
    sum(case when limit_w > 0 then coalesce(energy_j, 0) else 0 end) as limit_energy_j,
    sum(case when limit_w > 0 and span_power_w is not null then gpu_s * limit_w else 0 end)
        as limit_j,
    sum(case when sm_active is not null then gpu_s * sm_active else 0 end) as sm_gpu_s,
    sum(case when sm_active is not null then gpu_s else 0 end) as sm_known_s,
    sum(case when tensor_active is not null then gpu_s * tensor_active else 0 end)
        as tensor_gpu_s,
    sum(case when tensor_active is not null then gpu_s else 0 end) as tensor_known_s,
    sum(case when dram_active is not null then gpu_s * dram_active else 0 end) as dram_gpu_s,
    sum(case when dram_active is not null then gpu_s else 0 end) as dram_known_s
from cut
where gpu_s > 0
group by run_id, host, hour_s
