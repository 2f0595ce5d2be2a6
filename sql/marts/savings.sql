-- model: marts.savings
-- grain: one row per billing period, provider, service, billing currency and kind
-- materialized: table
-- partition_by: billing_period
-- description: What discounts saved, as the FinOps toolkit defines them. kind 'negotiated': list - contracted cost on non-spot usage (a missing or zero list cost counts as the contracted cost, and a zero contracted cost on a billed line without commitment as the billed cost); 'commitment': contracted - effective cost on commitment-covered usage; 'commitment_unused': the unused part of commitments as a negative saving, so a poorly used savings plan shows a loss rather than 0; 'spot': on-demand list cost - effective cost on Dynamic-priced (spot) usage. savings_rate: savings / the cost before the discount (list for negotiated and spot, contracted for commitment). lines_without_list: spot lines with no on-demand price to compare with (left out of savings). interruptions and interrupted_gpu_hours (spot only): scheduler jobs that ended PREEMPTED or NODE_FAIL while their host was billed as spot, and the GPU-hours they had run.
with filled as (
    select
        x_billing_period,
        provider,
        service_name,
        billing_currency,
        charge_category,
        pricing_category,
        commitment_discount_status,
        x_line_item_type,
        effective_cost,
        list_cost,
        -- a contracted cost of 0 on a billed line without commitment is missing, not free
        case
            when coalesce(contracted_cost, 0) = 0 and billed_cost <> 0
                and coalesce(pricing_category, '') <> 'Committed'
            then billed_cost
            else contracted_cost
        end as contracted_cost
    from marts.cost_lines
),

lines as (
    select
        x_billing_period as billing_period,
        provider,
        service_name,
        billing_currency,
        charge_category,
        pricing_category,
        commitment_discount_status,
        effective_cost,
        contracted_cost,
        case when list_cost is null or list_cost = 0 then contracted_cost else list_cost end
            as list_cost,
        list_cost as raw_list_cost
    from filled
    where
        charge_category in ('Usage', 'Purchase')
        -- CUR's negation lines only cancel the on-demand billing of covered usage
        and coalesce(x_line_item_type, '') <> 'SavingsPlanNegation'
),

kinds as (
    select
        billing_period, provider, service_name, billing_currency,
        'negotiated' as kind,
        effective_cost, list_cost, contracted_cost,
        list_cost - contracted_cost as savings,
        list_cost as baseline,
        0 as without_list
    from lines
    where
        charge_category = 'Usage'
        and coalesce(pricing_category, '') <> 'Dynamic'
        and coalesce(commitment_discount_status, '') <> 'Unused'
        and contracted_cost is not null

    union all

    select
        billing_period, provider, service_name, billing_currency,
        'commitment' as kind,
        effective_cost, list_cost, contracted_cost,
        contracted_cost - effective_cost as savings,
        contracted_cost as baseline,
        0 as without_list
    from lines
    where
        charge_category = 'Usage'
        and pricing_category = 'Committed'
        and commitment_discount_status = 'Used'
        and contracted_cost is not null

    union all

    select
        billing_period, provider, service_name, billing_currency,
        'commitment_unused' as kind,
        effective_cost, list_cost, contracted_cost,
        -effective_cost as savings,
        cast(null as decimal(38, 10)) as baseline,
        0 as without_list
    from lines
    where commitment_discount_status = 'Unused'

    union all

    select
        billing_period, provider, service_name, billing_currency,
        'spot' as kind,
        effective_cost, raw_list_cost as list_cost, contracted_cost,
        case when raw_list_cost > 0 then raw_list_cost - effective_cost end as savings,
        case when raw_list_cost > 0 then raw_list_cost end as baseline,
        case when raw_list_cost > 0 then 0 else 1 end as without_list
    from lines
    where charge_category = 'Usage' and pricing_category = 'Dynamic'
),

interrupted_jobs as (
    select distinct
        j.run_id,
        h.host,
        j.gpu_count / array_length(j.hosts) as gpus,
        epoch(j.started_at) as start_s,
        epoch(j.ended_at) as end_s
    from raw.scheduler_jobs as j
    cross join unnest(j.hosts) as h (host)
    where
        j.gpu_count > 0
        and j.ended_at > j.started_at
        and (upper(j.state) like 'PREEMPTED%' or upper(j.state) like 'NODE_FAIL%')
),

interruptions as (
    select
        b.x_billing_period as billing_period,
        b.provider,
        b.service_name,
        b.billing_currency,
        count(distinct i.run_id) as interruptions,
        sum(i.gpus * (i.end_s - i.start_s)) / 3600 as interrupted_gpu_hours
    from interrupted_jobs as i
    inner join staging.gpu_billed_hours as b
        on i.host = b.host and b.hour_s = floor((i.end_s - 1) / 3600) * 3600
    where b.is_spot
    group by b.x_billing_period, b.provider, b.service_name, b.billing_currency
),

totals as (
    select
        billing_period, provider, service_name, billing_currency, kind,
        count(*) as lines,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost,
        sum(savings) as savings,
        sum(baseline) as baseline,
        sum(without_list) as lines_without_list
    from kinds
    group by billing_period, provider, service_name, billing_currency, kind
)

select
    t.billing_period,
    t.provider,
    t.service_name,
    t.billing_currency,
    t.kind,
    t.lines,
    t.effective_cost,
    t.list_cost,
    t.contracted_cost,
    t.savings,
    cast(t.savings / nullif(t.baseline, 0) as decimal(12, 6)) as savings_rate,
    t.lines_without_list,
    case when t.kind = 'spot' then coalesce(i.interruptions, 0) end as interruptions,
    case when t.kind = 'spot' then coalesce(i.interrupted_gpu_hours, 0) end
        as interrupted_gpu_hours
from totals as t
left join interruptions as i
    on t.kind = 'spot'
    and t.billing_period = i.billing_period
    and t.provider = i.provider
    and t.service_name is not distinct from i.service_name
    and t.billing_currency = i.billing_currency
where t.savings <> 0 or t.kind in ('spot', 'commitment', 'commitment_unused')
