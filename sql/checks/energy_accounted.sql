-- check: energy_accounted
-- asset: marts.energy
-- severity: error
-- description: For every host and day, what its runs drew plus its unallocated energy equals all the energy its samples measured (staging.host_energy_hours, to a joule), and no host's runs drew more than it measured (runs holding more GPUs than the host has would).
with measured as (
    select
        cast(to_timestamp(hour_s) at time zone 'UTC' as date) as day,
        host,
        sum(energy_j) / 3600000 as energy_kwh
    from staging.host_energy_hours
    group by cast(to_timestamp(hour_s) at time zone 'UTC' as date), host
),

reported as (
    select
        day,
        gpu_resource as host,
        sum(case when kind = 'run' then energy_kwh else 0 end) as runs_kwh,
        sum(case when kind = 'unallocated' then energy_kwh else 0 end) as unallocated_kwh
    from marts.energy
    where kind in ('run', 'unallocated')
    group by day, gpu_resource
)

select
    m.day,
    m.host,
    m.energy_kwh as measured_kwh,
    coalesce(r.runs_kwh, 0) as runs_kwh,
    coalesce(r.unallocated_kwh, 0) as unallocated_kwh
from measured as m
left join reported as r on m.day = r.day and m.host = r.host
where
    abs(m.energy_kwh - coalesce(r.runs_kwh, 0) - coalesce(r.unallocated_kwh, 0)) > 1 / 3600000
    or coalesce(r.unallocated_kwh, 0) < -1 / 3600000
