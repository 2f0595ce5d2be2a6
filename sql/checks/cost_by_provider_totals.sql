-- check: cost_by_provider_totals
-- severity: error
-- description: The provider mart adds up to exactly the cost lines it was built from.
with mart as (
    select billing_period, billing_currency, sum(billed_cost) as billed_cost, sum(cost_lines) as lines
    from marts.cost_by_provider
    group by billing_period, billing_currency
),

base as (
    select x_billing_period as billing_period, billing_currency, sum(billed_cost) as billed_cost,
        count(*) as lines
    from marts.cost_lines
    group by x_billing_period, billing_currency
)

select
    coalesce(m.billing_period, b.billing_period) as billing_period,
    coalesce(m.billing_currency, b.billing_currency) as billing_currency,
    m.billed_cost as mart_billed_cost,
    b.billed_cost as lines_billed_cost
from mart as m
full outer join base as b
    on m.billing_period = b.billing_period
    and m.billing_currency is not distinct from b.billing_currency
where m.billed_cost is distinct from b.billed_cost or m.lines is distinct from b.lines
