-- model: marts.cost_by_service_daily
-- grain: one row per charge day (UTC), provider, service and billing currency
-- materialized: table
-- incremental_by: charge_date
-- description: Daily spend per service, the base for trends and budget run rates. charge_date: the UTC day a line's charge period starts; billed_cost and effective_cost as in marts.cost_by_provider; gpu_hours: billed GPU-hours (instance hours x GPUs, or GPU SKU hours).
with lines as (
    select
        cast(charge_period_start as date) as charge_date,
        provider,
        coalesce(service_name, '(unknown)') as service_name,
        service_category,
        billing_currency,
        billed_cost,
        effective_cost,
        x_gpu_hours
    from marts.cost_lines
    where charge_period_start >= $range_start
)

select
    charge_date,
    provider,
    service_name,
    service_category,
    billing_currency,
    sum(billed_cost) as billed_cost,
    sum(effective_cost) as effective_cost,
    sum(x_gpu_hours) as gpu_hours
from lines
group by charge_date, provider, service_name, service_category, billing_currency
