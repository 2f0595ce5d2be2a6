-- model: staging.gpu_billed_hours
-- grain: one row per billed GPU resource (its host name where known), UTC hour and billing currency
-- materialized: table
-- incremental_by: hour_start
-- description: The GPU bill spread over the hours it covers: a line spanning several hours (Azure's daily rows) spreads evenly. A GPU resource's usage lines of a billing period all count when the period bills it GPUs (a GCP GPU VM's cores and memory are their own SKUs). cost is effective cost; billed_gpu_s the GPU-seconds billed in the hour (usage hours x GPUs from the GPU lines, or, for a configured host whose bill gives no GPU-hours, its GPUs over the hour the lines cover); host is null for resources no telemetry host maps to.
with mapped as (
    select resource_id, min(host) as host, max(gpus) as gpus
    from staging.host_resources
    group by resource_id
),

gpu_resources as (
    -- resources with GPU lines in a billing period; their other usage lines (GCP bills a GPU
    -- VM's cores and memory as separate SKUs) are part of the host's cost but bill no
    -- GPU-seconds. Told per period, so that another period's lines never change this one's.
    select
        resource_id,
        x_billing_period,
        max(case when x_gpu_hours > 0 then 1 else 0 end) = 1 as has_gpu_hours
    from marts.cost_lines
    where
        x_gpu_count > 0 and resource_id is not null
        and x_billing_period in (
            select distinct x_billing_period
            from marts.cost_lines
            where charge_period_end > $range_start
        )
    group by resource_id, x_billing_period
),

lines as (
    select
        l.x_source,
        l.x_billing_period,
        l.provider,
        l.service_name,
        l.billing_currency,
        l.resource_id,
        m.host,
        coalesce(m.gpus, l.x_gpu_count) as gpus,
        l.pricing_category,
        l.effective_cost,
        l.list_cost,
        l.x_tags_normalized[$run_tag] as run_value,
        epoch(l.charge_period_start) as start_s,
        epoch(l.charge_period_end) as end_s,
        case
            when l.x_gpu_count > 0 then coalesce(l.x_gpu_hours / l.x_gpu_count, 0) * 3600
            else 0
        end as instance_s,
        coalesce(g.has_gpu_hours, false) as has_gpu_hours
    from marts.cost_lines as l
    left join mapped as m on l.resource_id = m.resource_id
    left join gpu_resources as g
        on l.resource_id = g.resource_id and l.x_billing_period = g.x_billing_period
    where
        l.charge_period_end > $range_start
        and l.charge_category = 'Usage'
        and l.resource_id is not null
        and (g.resource_id is not null or m.gpus is not null)
        and l.charge_period_end > l.charge_period_start
),

hourly as (
    select
        l.*,
        h.hour_index * 3600 as hour_s,
        least(l.end_s, (h.hour_index + 1) * 3600) - greatest(l.start_s, h.hour_index * 3600)
            as covered_s
    from lines as l
    cross join
        unnest(range(cast(greatest(floor(l.start_s / 3600), floor(epoch($range_start) / 3600))
                          as bigint),
                     cast(ceil(l.end_s / 3600) as bigint))) as h (hour_index)
),

shares as (
    select
        *,
        case
            when covered_s = end_s - start_s then effective_cost
            else cast(cast(effective_cost as double) * covered_s / (end_s - start_s)
                      as decimal(38, 10))
        end as cost_part,
        case
            when covered_s = end_s - start_s then list_cost
            else cast(cast(list_cost as double) * covered_s / (end_s - start_s)
                      as decimal(38, 10))
        end as list_part,
        instance_s * gpus * covered_s / (end_s - start_s) as gpu_s_part
    from hourly
    where covered_s > 0
)

select
    coalesce(host, resource_id) as gpu_resource,
    host,
    min(resource_id) as resource_id,
    x_source,
    x_billing_period,
    provider,
    min(service_name) as service_name,
    billing_currency,
    hour_s,
    to_timestamp(hour_s) at time zone 'UTC' as hour_start,
    max(gpus) as gpus,
    sum(cost_part) as cost,
    sum(list_part) as list_cost,
    case
        when max(case when has_gpu_hours then 1 else 0 end) = 1 then sum(gpu_s_part)
        else max(gpus) * max(covered_s)
    end as billed_gpu_s,
    max(case when pricing_category = 'Dynamic' then 1 else 0 end) = 1 as is_spot,
    max(run_value) as run_value
from shares
group by coalesce(host, resource_id), host, x_source, x_billing_period, provider, billing_currency,
    hour_s
