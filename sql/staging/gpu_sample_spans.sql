-- model: staging.gpu_sample_spans
-- grain: one row per GPU sample (source, host, GPU or MIG instance, instant)
-- materialized: view
-- description: Each sample stands for the time until the next one, capped at twice the GPU's usual sampling interval; a longer gap is no telemetry, never idle. Times in epoch seconds, UTC. span_power_w: the mean power over the span, from DCGM's energy counter where it rose between this sample and the next within the span (a counter that went down was reset: the driver reloaded), else the sample's power reading; energy_basis says which ('counter', 'power'); energy_j = span_power_w x the span.
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
        limit_w,
        sm_active,
        tensor_active,
        dram_active,
        pod,
        namespace,
        job,
        energy_mj,
        epoch(ts) as start_s,
        epoch(lead(ts) over (partition by x_source, host, gpu_unit order by ts)) as next_s,
        lead(energy_mj) over (partition by x_source, host, gpu_unit order by ts) as next_energy_mj
    from staging.gpu_samples
),

cadence as (
    select x_source, host, gpu_unit, median(next_s - start_s) as interval_s
    from ordered
    where next_s > start_s
    group by x_source, host, gpu_unit
),

spans as (
    select
        o.*,
        o.start_s + least(coalesce(o.next_s - o.start_s, c.interval_s), 2 * c.interval_s)
            as end_s,
        c.interval_s,
        o.next_energy_mj >= o.energy_mj
        and o.next_s > o.start_s
        and o.next_s - o.start_s <= 2 * c.interval_s as counter_spans
    from ordered as o
    inner join cadence as c
        on o.x_source = c.x_source and o.host = c.host and o.gpu_unit = c.gpu_unit
),

powered as (
    select
        *,
        case
            when counter_spans then (next_energy_mj - energy_mj) / 1000.0 / (next_s - start_s)
            else power_w
        end as span_power_w
    from spans
)

select
    x_source,
    host,
    gpu_index,
    gpu_unit,
    ts,
    util_pct,
    mem_used_mib,
    power_w,
    limit_w,
    sm_active,
    tensor_active,
    dram_active,
    pod,
    namespace,
    job,
    start_s,
    end_s,
    interval_s,
    span_power_w,
    case when counter_spans then 'counter' when power_w is not null then 'power' end
        as energy_basis,
    span_power_w * (end_s - start_s) as energy_j
from powered
