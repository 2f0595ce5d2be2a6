-- model: staging.gpu_sample_spans
-- grain: one row per GPU sample (source, host, GPU or MIG instance, instant)
-- materialized: view
-- description: Each sample stands for the time until the next one, capped at twice the GPU's usual sampling interval; a longer gap is no telemetry, never idle. Times in epoch seconds, UTC.
with ordered as (
    select
        x_source,
        host,
        gpu_index,
        gpu_unit,
        ts,
        util_pct,
        mem_used_mib,
        power_w,
        pod,
        namespace,
        job,
        epoch(ts) as start_s,
        epoch(lead(ts) over (partition by x_source, host, gpu_unit order by ts)) as next_s
    from staging.gpu_samples
),

cadence as (
    select x_source, host, gpu_unit, median(next_s - start_s) as interval_s
    from ordered
    where next_s > start_s
    group by x_source, host, gpu_unit
)

select
    o.x_source,
    o.host,
    o.gpu_index,
    o.gpu_unit,
    o.ts,
    o.util_pct,
    o.mem_used_mib,
    o.power_w,
    o.pod,
    o.namespace,
    o.job,
    o.start_s,
    o.start_s + least(coalesce(o.next_s - o.start_s, c.interval_s), 2 * c.interval_s) as end_s,
    c.interval_s
from ordered as o
inner join cadence as c
    on o.x_source = c.x_source and o.host = c.host and o.gpu_unit = c.gpu_unit
