-- model: staging.gpu_sample_spans
-- grain: one row per GPU sample (source, host, GPU or MIG instance, instant)
-- materialized: table
-- incremental_by: ts
-- lookback: 1 day
-- description: Each sample stands for the time until the next one, capped at twice the GPU's usual sampling interval that UTC day (the median gap between its samples within the day); a longer gap is no telemetry, never idle, and the sample before it stands for one usual interval, as the last sample does. So a new day changes only its own spans and those of the samples just before it (the model's lookback). Times in epoch seconds, UTC. span_power_w: the mean power over the span, from DCGM's energy counter where it rose between this sample and the next within the span (a counter that went down was reset: the driver reloaded), else the sample's power reading; energy_basis says which ('counter', 'power'); energy_j = span_power_w x the span.
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
        cast(floor(epoch(ts) / 86400) as bigint) as day_index,
        epoch(lead(ts) over (partition by x_source, host, gpu_unit order by ts)) as next_s,
        lead(energy_mj) over (partition by x_source, host, gpu_unit order by ts) as next_energy_mj
    from staging.gpu_samples
    where ts >= $range_start
),

cadence as (
    -- the usual gap within one UTC day, so that another day's samples never change it
    select x_source, host, gpu_unit, day_index, median(next_s - start_s) as interval_s
    from ordered
    where next_s > start_s and next_s < (day_index + 1) * 86400
    group by x_source, host, gpu_unit, day_index
),

spans as (
    select
        o.*,
        o.start_s
        + case
            when o.next_s - o.start_s <= 2 * c.interval_s then o.next_s - o.start_s
            else c.interval_s
        end as end_s,
        c.interval_s,
        o.next_energy_mj >= o.energy_mj
        and o.next_s > o.start_s
        and o.next_s - o.start_s <= 2 * c.interval_s as counter_spans
    from ordered as o
    inner join cadence as c
        on
            o.x_source = c.x_source and o.host = c.host and o.gpu_unit = c.gpu_unit
            and o.day_index = c.day_index
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
