-- model: staging.host_energy_hours
-- grain: one row per host and UTC hour with GPU telemetry
-- materialized: table
-- incremental_by: hour_start
-- description: All the energy a host's GPUs drew, sample by sample, cut at hour boundaries the way staging.run_gpu_hours cuts a run's share, so that runs plus unallocated add up to every sample. energy_j: joules (span power x the part of the span in the hour); gpu_s: GPU-seconds with telemetry; power_known_s: the GPU-seconds that had a power reading.
with sample_hours as (
    select
        s.host,
        s.span_power_w,
        h.hour_index,
        least(s.end_s, (h.hour_index + 1) * 3600) - greatest(s.start_s, h.hour_index * 3600)
            as in_hour_s
    from staging.gpu_sample_spans as s
    cross join
        unnest(range(cast(greatest(floor(s.start_s / 3600), floor(epoch($range_start) / 3600))
                          as bigint),
                     cast(ceil(s.end_s / 3600) as bigint))) as h (hour_index)
    -- spans are shorter than a day: those that reach into the range start the day before it
    where s.ts >= $range_start - interval 1 day and s.end_s > epoch($range_start)
)

select
    host,
    hour_index * 3600 as hour_s,
    to_timestamp(hour_index * 3600) at time zone 'UTC' as hour_start,
    sum(in_hour_s) as gpu_s,
    sum(coalesce(span_power_w * in_hour_s, 0)) as energy_j,
    sum(case when span_power_w is not null then in_hour_s else 0 end) as power_known_s
from sample_hours
where in_hour_s > 0
group by host, hour_index
