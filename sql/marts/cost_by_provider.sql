-- model: marts.cost_by_provider
-- grain: one row per billing period, provider and billing currency
-- materialized: table
-- incremental_by: billing_period (month)
-- partition_by: billing_period
-- description: The headline totals per provider and billing period (YYYY-MM) in each billing currency. cost_lines: lines loaded; billed_cost: what the invoice charges (before amortizing commitments); effective_cost: cost with commitments amortized over the usage they cover, net of credits; list_cost: the same usage at public list prices.
with lines as (
    select x_billing_period, provider, billing_currency, billed_cost, effective_cost, list_cost
    from marts.cost_lines
    where x_billing_period >= strftime($range_start, '%Y-%m')
)

select
    x_billing_period as billing_period,
    provider,
    billing_currency,
    count(*) as cost_lines,
    sum(billed_cost) as billed_cost,
    sum(effective_cost) as effective_cost,
    sum(list_cost) as list_cost
from lines
group by x_billing_period, provider, billing_currency
