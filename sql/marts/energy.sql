-- model: marts.energy
-- grain: one row per UTC day, GPU resource, kind and run (run_id null where no run drew it)
-- materialized: table
-- incremental_by: day
-- description: The electricity GPUs drew and what it emitted, from measured power (no SDK in the training code). kind 'run': drawn by a run's GPUs (staging.run_gpu_hours: each sample's power over the part of its span inside the run); 'unallocated': drawn on the host while no run held the GPUs (the host's measured energy minus its runs', so runs plus unallocated equal every sample's energy); 'estimated': a billed GPU resource with no telemetry, its billed GPU-hours x the GPU model's board power (meta.gpu_board_power), an upper bound, with estimated = true. energy_kwh; idle_energy_kwh: drawn by a run's GPUs while below runs.idle_util_pct; co2e_kg = energy_kwh x pue x grid_gco2e_per_kwh / 1000 (see staging.gpu_resource_carbon for where each factor comes from), null where the region's grid or PUE is unknown. run_name, team: the run's.
with run_days as (
    select
        cast(to_timestamp(hour_s) at time zone 'UTC' as date) as day,
        host,
        run_id,
        sum(energy_j) as energy_j,
        sum(idle_energy_j) as idle_energy_j,
        sum(gpu_s) as gpu_s
    from staging.run_gpu_hours
    where hour_s >= epoch($range_start)
    group by cast(to_timestamp(hour_s) at time zone 'UTC' as date), host, run_id
),

host_days as (
    select
        cast(to_timestamp(hour_s) at time zone 'UTC' as date) as day,
        host,
        sum(energy_j) as energy_j,
        sum(gpu_s) as gpu_s
    from staging.host_energy_hours
    where hour_s >= epoch($range_start)
    group by cast(to_timestamp(hour_s) at time zone 'UTC' as date), host
),

allocated as (
    select day, host, sum(energy_j) as energy_j, sum(gpu_s) as gpu_s
    from run_days
    group by day, host
),

board as (
    select lower(gpu_model) as gpu_model, max(board_power_w) as board_power_w
    from meta.gpu_board_power
    group by lower(gpu_model)
),

unobserved as (
    -- billed GPU resources that no telemetry host maps to
    select
        cast(to_timestamp(b.hour_s) at time zone 'UTC' as date) as day,
        b.gpu_resource,
        case when b.run_value is not null then 'tag:' || b.run_value end as run_id,
        b.billed_gpu_s,
        b.billed_gpu_s * w.board_power_w as energy_j
    from staging.gpu_billed_hours as b
    inner join staging.gpu_resource_carbon as c on b.gpu_resource = c.gpu_resource
    left join board as w on lower(c.gpu_model) = w.gpu_model
    where b.host is null and b.hour_s >= epoch($range_start)
),

pieces as (
    select
        day,
        host as gpu_resource,
        run_id,
        'run' as kind,
        false as estimated,
        energy_j,
        idle_energy_j,
        gpu_s
    from run_days

    union all

    select
        h.day,
        h.host as gpu_resource,
        cast(null as varchar) as run_id,
        'unallocated' as kind,
        false as estimated,
        h.energy_j - coalesce(a.energy_j, 0) as energy_j,
        0 as idle_energy_j,
        greatest(h.gpu_s - coalesce(a.gpu_s, 0), 0) as gpu_s
    from host_days as h
    left join allocated as a on h.day = a.day and h.host = a.host

    union all

    select
        day,
        gpu_resource,
        run_id,
        'estimated' as kind,
        true as estimated,
        sum(energy_j) as energy_j,
        0 as idle_energy_j,
        sum(billed_gpu_s) as gpu_s
    from unobserved
    group by day, gpu_resource, run_id
),

teams as (
    select run_id, max(run_name) as run_name, max(team) as team
    from marts.runs
    group by run_id
)

select
    p.day,
    p.gpu_resource,
    p.run_id,
    t.run_name,
    t.team,
    p.kind,
    p.estimated,
    p.gpu_s / 3600 as gpu_hours,
    p.energy_j / 3600000 as energy_kwh,
    p.idle_energy_j / 3600000 as idle_energy_kwh,
    c.provider,
    c.region,
    c.grid_gco2e_per_kwh,
    c.grid_source,
    c.pue,
    p.energy_j / 3600000 * c.pue * c.grid_gco2e_per_kwh / 1000 as co2e_kg
from pieces as p
left join staging.gpu_resource_carbon as c on p.gpu_resource = c.gpu_resource
left join teams as t on p.run_id = t.run_id
where p.gpu_s > 0 or p.energy_j <> 0
