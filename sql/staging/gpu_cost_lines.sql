-- model: staging.gpu_cost_lines
-- grain: one row per cost line of an instance type known to carry GPUs
-- materialized: view
-- description: The GPU part of the bill, the input of run cost and idle waste.
with lines as (
    select * from marts.cost_lines
)

select
    x_source,
    x_billing_period,
    provider,
    billing_account_id,
    sub_account_id,
    resource_id,
    resource_name,
    x_instance_type,
    x_gpu_count,
    x_gpu_hours,
    charge_period_start,
    charge_period_end,
    charge_category,
    pricing_category,
    billing_currency,
    billed_cost,
    effective_cost,
    list_cost,
    tags
from lines
where x_gpu_count > 0
