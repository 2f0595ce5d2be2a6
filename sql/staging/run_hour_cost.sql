-- model: staging.run_hour_cost
-- grain: one row per scheduled run, host and UTC hour it held GPUs in (and billing currency)
-- materialized: table
-- description: Runs priced by the billed hour. held_gpu_s: GPUs held x seconds of the hour (from the scheduler); cost: the hour's effective cost x held_gpu_s / the larger of the GPU-seconds billed and the GPU-seconds all runs on the host held, so runs sharing a node split it by GPUs held and never exceed the bill; idle_cost: the same rate on the run's idle GPU-seconds (telemetry below runs.idle_util_pct). cost is null where the hour is not on any loaded bill.
with runs as (
    select
        run_id,
        host,
        gpu_count,
        epoch(started_at) as start_s,
        epoch(coalesce(ended_at, current_timestamp)) as end_s
    from staging.scheduled_runs
    where started_at is not null
),

held as (
    select
        r.run_id,
        r.host,
        h.hour_index * 3600 as hour_s,
        r.gpu_count * (least(r.end_s, (h.hour_index + 1) * 3600)
                       - greatest(r.start_s, h.hour_index * 3600)) as held_gpu_s
    from runs as r
    cross join
        unnest(range(cast(floor(r.start_s / 3600) as bigint),
                     cast(ceil(r.end_s / 3600) as bigint))) as h (hour_index)
    where r.end_s > r.start_s
),

run_hours as (
    select run_id, host, hour_s, sum(held_gpu_s) as held_gpu_s
    from held
    where held_gpu_s > 0
    group by run_id, host, hour_s
),

host_held as (
    select host, hour_s, sum(held_gpu_s) as held_gpu_s
    from run_hours
    group by host, hour_s
),

billed as (
    select
        host,
        hour_s,
        billing_currency,
        sum(cost) as cost,
        sum(billed_gpu_s) as billed_gpu_s,
        max(case when is_spot then 1 else 0 end) = 1 as is_spot
    from staging.gpu_billed_hours
    where host is not null
    group by host, hour_s, billing_currency
)

select
    r.run_id,
    r.host,
    r.hour_s,
    b.billing_currency,
    r.held_gpu_s,
    coalesce(t.gpu_s, 0) as gpu_s,
    coalesce(t.util_gpu_s, 0) as util_gpu_s,
    coalesce(t.util_known_s, 0) as util_known_s,
    coalesce(t.idle_gpu_s, 0) as idle_gpu_s,
    b.is_spot,
    cast(cast(b.cost as double) * r.held_gpu_s / greatest(b.billed_gpu_s, hh.held_gpu_s)
         as decimal(38, 10)) as cost,
    cast(cast(b.cost as double) * least(coalesce(t.idle_gpu_s, 0), r.held_gpu_s)
         / greatest(b.billed_gpu_s, hh.held_gpu_s) as decimal(38, 10)) as idle_cost
from run_hours as r
inner join host_held as hh on r.host = hh.host and r.hour_s = hh.hour_s
left join staging.run_gpu_hours as t
    on r.run_id = t.run_id and r.host = t.host and r.hour_s = t.hour_s
left join billed as b on r.host = b.host and r.hour_s = b.hour_s
