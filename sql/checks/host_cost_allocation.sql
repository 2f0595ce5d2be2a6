-- check: host_cost_allocation
-- asset: marts.idle_waste
-- severity: error
-- description: For every GPU host, what its runs were charged plus its unallocated cost equals the effective cost of its billed GPU lines, read straight from cost_lines (to half a cent), so no GPU-hour is priced twice or lost.
with hosts as (
    select resource_id, min(host) as host, max(gpus) as gpus
    from staging.host_resources
    group by resource_id
),

gpu_resources as (
    select distinct resource_id from marts.cost_lines where x_gpu_count > 0
),

bill as (
    select h.host, l.billing_currency, sum(l.effective_cost) as billed
    from marts.cost_lines as l
    inner join hosts as h on l.resource_id = h.resource_id
    where
        l.charge_category = 'Usage'
        and (l.resource_id in (select g.resource_id from gpu_resources as g)
             or h.gpus is not null)
        and l.charge_period_end > l.charge_period_start
    group by h.host, l.billing_currency
),

runs as (
    select host, billing_currency, sum(cost) as allocated
    from staging.run_hour_cost
    where cost is not null
    group by host, billing_currency
),

unallocated as (
    select gpu_resource as host, billing_currency, sum(cost) as unallocated
    from marts.idle_waste
    where kind = 'unallocated'
    group by gpu_resource, billing_currency
)

select
    b.host,
    b.billing_currency,
    b.billed,
    coalesce(r.allocated, 0) as allocated,
    coalesce(u.unallocated, 0) as unallocated
from bill as b
left join runs as r on b.host = r.host and b.billing_currency = r.billing_currency
left join unallocated as u on b.host = u.host and b.billing_currency = u.billing_currency
where abs(b.billed - coalesce(r.allocated, 0) - coalesce(u.unallocated, 0)) >= 0.005
