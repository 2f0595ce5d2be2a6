-- model: marts.untagged_gpu_spend
-- grain: one row per billing period, provider, sub account and billing currency with GPU spend
-- materialized: table
-- incremental_by: billing_period (month)
-- partition_by: billing_period
-- description: GPU spend that carries no run tag (tags are not backfilled before a key is activated), next to the tagged part. gpu_effective_cost: effective cost of GPU lines; untagged_effective_cost and untagged_gpu_hours: the part without the runs.run_tag tag; no_team_effective_cost: the part without the runs.team_tag tag; gpu_lines: how many GPU lines.
with gpu_lines as (
    select
        x_billing_period,
        provider,
        sub_account_id,
        billing_currency,
        effective_cost,
        x_gpu_hours,
        x_tags_normalized[$run_tag] as run_value,
        x_tags_normalized[$team_tag] as team_value
    from marts.cost_lines
    where x_gpu_count > 0 and x_billing_period >= strftime($range_start, '%Y-%m')
)

select
    x_billing_period as billing_period,
    provider,
    sub_account_id,
    billing_currency,
    sum(effective_cost) as gpu_effective_cost,
    sum(case when run_value is null then effective_cost else 0 end) as untagged_effective_cost,
    sum(case when run_value is null then x_gpu_hours else 0 end) as untagged_gpu_hours,
    sum(case when team_value is null then effective_cost else 0 end) as no_team_effective_cost,
    count(*) as gpu_lines
from gpu_lines
group by x_billing_period, provider, sub_account_id, billing_currency
