-- check: cost_lines_required
-- severity: error
-- asset: marts.cost_lines
-- description: Every loaded line has a cost, a charge period, and sits in the billing period it is filed under.
select x_source_file, x_source_row, x_billing_period, billing_period_start, billed_cost, charge_period_start
from marts.cost_lines
where
    x_source = $source
    and x_billing_period = coalesce($period, x_billing_period)
    and (
        billed_cost is null
        or effective_cost is null
        or charge_period_start is null
        or billing_period_start is null
        or x_billing_period <> substr(cast(billing_period_start as varchar), 1, 7)
    )
