-- model: staging.scheduled_runs
-- grain: one row per run a scheduler placed and host it ran on
-- materialized: table
-- description: The scheduler's part of staging.runs (basis 'scheduler'), a model of its own so that what reads only scheduled runs (GPU attribution) does not change when a bill does. Slurm jobs with GPUs split their GPUs evenly over their nodes; Kubernetes pods requesting GPUs or MIG slices are grouped by the run label; a run with several parts (a requeued job) spans them all and is running while any part is.
with placed as (
    select
        j.run_id,
        j.run_name,
        j.x_source as source,
        j."user",
        j.team,
        j.started_at,
        j.ended_at,
        h.host,
        j.gpu_count / array_length(j.hosts) as gpu_count
    from raw.scheduler_jobs as j
    cross join unnest(j.hosts) as h (host)
    where j.gpu_count > 0
)

select
    run_id,
    max(run_name) as run_name,
    max(source) as source,
    max("user") as "user",
    max(team) as team,
    min(started_at) as started_at,
    -- still running while any of its parts is
    case when count(*) = count(ended_at) then max(ended_at) end as ended_at,
    host,
    sum(gpu_count) as gpu_count,
    'scheduler' as basis
from placed
group by run_id, host
