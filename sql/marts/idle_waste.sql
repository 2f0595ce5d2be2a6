-- model: marts.idle_waste
-- grain: one row per UTC day, GPU resource, kind and billing currency
-- materialized: table
-- incremental_by: day
-- description: GPUs paid for and not working. kind 'unallocated': billed GPU-hours on a host while no run held them (the host's billed cost minus what its runs were charged, so runs plus unallocated equal the bill); 'allocated_idle': held by a run but idle (utilization below runs.idle_util_pct); 'unobserved': GPU resources billed with no run and no telemetry at all, which may be idle or busy but should not be invisible. gpu_resource is the host name where telemetry or a scheduler names it, else the billed resource id; gpu_hours and cost (effective) are that kind's part of the day.
with run_hours as (
    select
        host,
        hour_s,
        billing_currency,
        sum(held_gpu_s) as held_gpu_s,
        sum(cost) as allocated_cost,
        sum(least(idle_gpu_s, held_gpu_s)) as idle_gpu_s,
        sum(idle_cost) as idle_cost
    from staging.run_hour_cost
    where billing_currency is not null and hour_s >= epoch($range_start)
    group by host, hour_s, billing_currency
),

billed as (
    select
        gpu_resource,
        host,
        min(resource_id) as resource_id,
        min(provider) as provider,
        billing_currency,
        hour_s,
        sum(cost) as cost,
        sum(billed_gpu_s) as billed_gpu_s,
        max(run_value) as run_value
    from staging.gpu_billed_hours
    where hour_s >= epoch($range_start)
    group by gpu_resource, host, billing_currency, hour_s
),

pieces as (
    select
        b.gpu_resource,
        b.resource_id,
        b.provider,
        b.billing_currency,
        b.hour_s,
        'unallocated' as kind,
        greatest(b.billed_gpu_s - coalesce(r.held_gpu_s, 0), 0) as gpu_s,
        b.cost - coalesce(r.allocated_cost, 0) as cost
    from billed as b
    left join run_hours as r
        on b.host = r.host and b.hour_s = r.hour_s and b.billing_currency = r.billing_currency
    where b.host is not null

    union all

    select
        b.gpu_resource,
        b.resource_id,
        b.provider,
        b.billing_currency,
        b.hour_s,
        'allocated_idle' as kind,
        r.idle_gpu_s as gpu_s,
        r.idle_cost as cost
    from billed as b
    inner join run_hours as r
        on b.host = r.host and b.hour_s = r.hour_s and b.billing_currency = r.billing_currency

    union all

    select
        b.gpu_resource,
        b.resource_id,
        b.provider,
        b.billing_currency,
        b.hour_s,
        'unobserved' as kind,
        b.billed_gpu_s as gpu_s,
        b.cost
    from billed as b
    where b.host is null and b.run_value is null
)

select
    cast(to_timestamp(hour_s) at time zone 'UTC' as date) as day,
    gpu_resource,
    min(resource_id) as resource_id,
    min(provider) as provider,
    kind,
    billing_currency,
    sum(gpu_s) / 3600 as gpu_hours,
    sum(cost) as cost
from pieces
group by cast(to_timestamp(hour_s) at time zone 'UTC' as date), gpu_resource, kind,
    billing_currency
having sum(gpu_s) > 0 or sum(cost) <> 0
