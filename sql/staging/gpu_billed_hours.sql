-- model: staging.gpu_billed_hours
-- grain: one row per billed GPU resource (its host name where known), UTC hour and billing currency
-- materialized: table
-- description: The GPU bill spread over the hours it covers: a line spanning several hours (Azure's daily rows) spreads evenly. cost is effective cost; billed_gpu_s the GPU-seconds billed in the hour (usage hours x GPUs, or the GPUs over the hour the line covers where the usage is not in hours); host is null for resources no telemetry host maps to.
with mapped as (
    select resource_id, min(host) as host, max(gpus) as gpus
    from staging.host_resources
    group by resource_id
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
            else epoch(l.charge_period_end) - epoch(l.charge_period_start)
        end as instance_s
    from marts.cost_lines as l
    left join mapped as m on l.resource_id = m.resource_id
    where
        l.charge_category = 'Usage'
        and l.resource_id is not null
        and (l.x_gpu_count > 0 or m.gpus is not null)
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
        unnest(range(cast(floor(l.start_s / 3600) as bigint),
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
        when sum(gpu_s_part) > 0 then sum(gpu_s_part)
        else max(gpus) * max(covered_s)
    end as billed_gpu_s,
    max(case when pricing_category = 'Dynamic' then 1 else 0 end) = 1 as is_spot,
    max(run_value) as run_value
from shares
group by coalesce(host, resource_id), host, x_source, x_billing_period, provider, billing_currency,
    hour_s
