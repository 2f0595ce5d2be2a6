-- model: marts.run_gpu_usage
-- grain: one row per run and host with GPU telemetry
-- materialized: table
-- description: What a run's GPUs did, attributed sample by sample before any rollup: GPU-seconds with telemetry, time-weighted mean utilization, and idle GPU-seconds (utilization below runs.idle_util_pct). Where DCGM labels samples with the run's pod or Slurm job (hpc_job), the run holds exactly those GPUs; otherwise it holds its share of the node's GPUs (gpu_count / GPUs seen on the host).
with node_gpus as (
    select host, count(distinct gpu_index) as gpus
    from staging.gpu_samples
    group by host
),

runs as (
    select
        r.run_id,
        r.host,
        epoch(r.started_at) as start_s,
        epoch(coalesce(r.ended_at, current_timestamp)) as end_s,
        r.gpu_count / n.gpus as share
    from marts.runs as r
    inner join node_gpus as n on r.host = n.host
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

sample_labels as (
    select
        *,
        coalesce(namespace || '/' || pod, 'job:' || job) as label
    from staging.gpu_sample_spans
    where pod is not null or job is not null
),

labelled as (
    select distinct p.run_id, p.host
    from run_labels as p
    inner join sample_labels as s on p.host = s.host and p.label = s.label
),

by_label as (
    select
        r.run_id,
        r.host,
        s.util_pct,
        greatest(0, least(s.end_s, r.end_s) - greatest(s.start_s, r.start_s)) as gpu_s
    from runs as r
    inner join run_labels as p on r.run_id = p.run_id and r.host = p.host
    inner join sample_labels as s
        on p.host = s.host and p.label = s.label
        and s.end_s > r.start_s and s.start_s < r.end_s
),

by_share as (
    select
        r.run_id,
        r.host,
        s.util_pct,
        r.share * greatest(0, least(s.end_s, r.end_s) - greatest(s.start_s, r.start_s)) as gpu_s
    from runs as r
    inner join staging.gpu_sample_spans as s
        on r.host = s.host and s.end_s > r.start_s and s.start_s < r.end_s
    where not exists (
        select 1 from labelled as l where l.run_id = r.run_id and l.host = r.host
    )
),

attributed as (
    select * from by_label
    union all
    select * from by_share
)

select
    run_id,
    host,
    sum(gpu_s) as gpu_seconds,
    sum(gpu_s * util_pct) / nullif(sum(case when util_pct is not null then gpu_s end), 0)
        as util_pct_mean,
    sum(case when util_pct < $idle_util_pct then gpu_s else 0 end) as idle_gpu_seconds
from attributed
group by run_id, host
