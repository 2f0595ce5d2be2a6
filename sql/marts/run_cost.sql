-- model: marts.run_cost
-- grain: one row per training run (and billing currency, in the rare case its hosts bill in two)
-- materialized: table
-- description: What each training run cost. basis: 'scheduler' (priced GPU-second by GPU-second from the billed hours of its hosts, see staging.run_hour_cost) or 'billing_tags' (a run tag on the bill and no telemetry: the effective cost of every line carrying the tag, GCP net of credits, and GPU-hours as billed). gpu_hours: GPUs held x hours; unpriced_gpu_hours: the part on hosts or hours no loaded bill covers; gpu_util_mean: time-weighted mean GPU utilization (%) from telemetry; idle_gpu_hours: held GPU-hours below runs.idle_util_pct; cost, idle_cost: effective cost of the run and of its idle part; cost_per_gpu_hour: cost / priced GPU-hours; on_spot: some of its hours ran on spot-priced capacity. energy_kwh, idle_energy_kwh, co2e_kg: from marts.energy (co2e_kg null unless every part of the run's energy has a known grid and PUE); energy_estimated: some of it is estimated from board power (a run known only from billing tags has no telemetry). Efficiency, from telemetry, null where the source cannot say: sm_active_mean, tensor_active_mean, dram_active_mean: time-weighted mean DCGM profiling ratios (0-1); power_pct_of_limit: mean power as a share of the GPUs' power limit (%); kwh_per_gpu_hour: energy per GPU-hour with telemetry; efficiency_note: 'high utilization, low SM activity' where utilization is 80 % or more but fewer than half the SMs were active on average (utilization counts any kernel running, however small; the GPU was held, not used well).
with scheduled as (
    select
        run_id,
        max(run_name) as run_name,
        max("user") as "user",
        max(team) as team,
        min(started_at) as started_at,
        case when count(*) = count(ended_at) then max(ended_at) end as ended_at,
        count(distinct host) as hosts
    from marts.runs
    where basis = 'scheduler'
    group by run_id
),

currencies as (
    select run_id, min(billing_currency) as main_currency
    from staging.run_hour_cost
    group by run_id
),

priced as (
    select
        h.run_id,
        coalesce(h.billing_currency, c.main_currency) as billing_currency,
        sum(h.held_gpu_s) / 3600 as gpu_hours,
        sum(case when h.cost is null then h.held_gpu_s else 0 end) / 3600 as unpriced_gpu_hours,
        sum(h.util_gpu_s) / nullif(sum(h.util_known_s), 0) as gpu_util_mean,
        sum(least(h.idle_gpu_s, h.held_gpu_s)) / 3600 as idle_gpu_hours,
        sum(h.cost) as cost,
        sum(h.idle_cost) as idle_cost,
        max(case when h.is_spot then 1 else 0 end) = 1 as on_spot
    from staging.run_hour_cost as h
    inner join currencies as c on h.run_id = c.run_id
    group by h.run_id, coalesce(h.billing_currency, c.main_currency)
),

energy as (
    select
        run_id,
        sum(energy_kwh) as energy_kwh,
        sum(idle_energy_kwh) as idle_energy_kwh,
        case when count(co2e_kg) = count(*) then sum(co2e_kg) end as co2e_kg,
        max(case when estimated then 1 else 0 end) = 1 as energy_estimated
    from marts.energy
    where run_id is not null
    group by run_id
),

efficiency as (
    select
        run_id,
        sum(sm_gpu_s) / nullif(sum(sm_known_s), 0) as sm_active_mean,
        sum(tensor_gpu_s) / nullif(sum(tensor_known_s), 0) as tensor_active_mean,
        sum(dram_gpu_s) / nullif(sum(dram_known_s), 0) as dram_active_mean,
        100 * sum(limit_energy_j) / nullif(sum(limit_j), 0) as power_pct_of_limit,
        (sum(energy_j) / 3600000) / nullif(sum(power_known_s) / 3600, 0) as kwh_per_gpu_hour
    from staging.run_gpu_hours
    group by run_id
),

tag_runs as (
    select
        run_id,
        max(run_name) as run_name,
        max(team) as team,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        count(distinct host) as hosts
    from marts.runs
    where basis = 'billing_tags'
    group by run_id
),

tagged_lines as (
    select
        'tag:' || x_tags_normalized[$run_tag] as run_id,
        billing_currency,
        effective_cost,
        x_gpu_hours,
        pricing_category
    from marts.cost_lines
    where x_tags_normalized[$run_tag] is not null
),

tag_costs as (
    select
        l.run_id,
        l.billing_currency,
        sum(coalesce(l.x_gpu_hours, 0)) as gpu_hours,
        sum(l.effective_cost) as cost,
        max(case when l.pricing_category = 'Dynamic' and l.x_gpu_hours > 0 then 1 else 0 end) = 1
            as on_spot
    from tagged_lines as l
    inner join tag_runs as t on l.run_id = t.run_id
    group by l.run_id, l.billing_currency
)

select
    s.run_id,
    s.run_name,
    s."user",
    s.team,
    'scheduler' as basis,
    s.started_at,
    s.ended_at,
    s.hosts,
    p.billing_currency,
    p.gpu_hours,
    p.unpriced_gpu_hours,
    p.gpu_util_mean,
    p.idle_gpu_hours,
    p.cost,
    p.idle_cost,
    cast(p.cost / nullif(p.gpu_hours - p.unpriced_gpu_hours, 0) as decimal(38, 6))
        as cost_per_gpu_hour,
    p.on_spot,
    e.energy_kwh,
    e.idle_energy_kwh,
    e.co2e_kg,
    coalesce(e.energy_estimated, false) as energy_estimated,
    f.sm_active_mean,
    f.tensor_active_mean,
    f.dram_active_mean,
    f.power_pct_of_limit,
    f.kwh_per_gpu_hour,
    case
        when p.gpu_util_mean >= 80 and f.sm_active_mean < 0.5
            then 'high utilization, low SM activity'
    end as efficiency_note
from scheduled as s
inner join priced as p on s.run_id = p.run_id
left join energy as e on s.run_id = e.run_id
left join efficiency as f on s.run_id = f.run_id

union all

select
    t.run_id,
    t.run_name,
    cast(null as varchar) as "user",
    t.team,
    'billing_tags' as basis,
    t.started_at,
    t.ended_at,
    t.hosts,
    c.billing_currency,
    c.gpu_hours,
    0 as unpriced_gpu_hours,
    cast(null as double) as gpu_util_mean,
    cast(null as double) as idle_gpu_hours,
    c.cost,
    cast(null as decimal(38, 10)) as idle_cost,
    cast(c.cost / nullif(c.gpu_hours, 0) as decimal(38, 6)) as cost_per_gpu_hour,
    c.on_spot,
    e.energy_kwh,
    e.idle_energy_kwh,
    e.co2e_kg,
    coalesce(e.energy_estimated, false) as energy_estimated,
    cast(null as double) as sm_active_mean,
    cast(null as double) as tensor_active_mean,
    cast(null as double) as dram_active_mean,
    cast(null as double) as power_pct_of_limit,
    cast(null as double) as kwh_per_gpu_hour,
    cast(null as varchar) as efficiency_note
from tag_runs as t
inner join tag_costs as c on t.run_id = c.run_id
left join energy as e on t.run_id = e.run_id
