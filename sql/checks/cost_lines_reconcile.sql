-- check: cost_lines_reconcile
-- severity: error
-- asset: marts.cost_lines
-- description: Per period (the one just loaded; all without one) and currency, loaded rows and billed cost equal the export's own totals to the cent.
with loaded as (
    select
        x_billing_period as period,
        billing_currency,
        count(*) as rows_loaded,
        sum(billed_cost) as billed_cost
    from marts.cost_lines
    where x_source = $source and x_billing_period = coalesce($period, x_billing_period)
    group by x_billing_period, billing_currency
),

expected as (
    select period, billing_currency, rows_in_export, billed_cost
    from meta.control_totals
    where source = $source and period = coalesce($period, period)
)

select
    coalesce(e.period, l.period) as period,
    coalesce(e.billing_currency, l.billing_currency) as billing_currency,
    e.rows_in_export,
    l.rows_loaded,
    e.billed_cost as export_billed_cost,
    l.billed_cost as loaded_billed_cost
from expected as e
full outer join loaded as l
    on e.period = l.period and e.billing_currency is not distinct from l.billing_currency
where
    e.rows_in_export is distinct from l.rows_loaded
    or abs(coalesce(e.billed_cost, 0) - coalesce(l.billed_cost, 0)) >= 0.005
