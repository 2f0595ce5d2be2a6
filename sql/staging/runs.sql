-- model: staging.runs
-- grain: one row per training run and host it ran on
-- materialized: table
-- description: Runs from the schedulers (basis 'scheduler': Slurm jobs with GPUs, GPUs split evenly over their nodes; Kubernetes pods requesting GPUs or MIG slices, grouped by the run label) and runs known only from billing tags (basis 'billing_tags': a run tag value on billed GPU resources that names no scheduled run by id or name; the host is the billed resource). run_id: slurm:<cluster>:<job>, k8s:<namespace>/<run> or tag:<value>; source: the telemetry or billing source; user and team (Slurm: the account); started_at/ended_at in UTC (ended_at null while running); gpu_count: GPUs the run held on this host.
with tagged as (
    select
        x_tags_normalized[$run_tag] as run_value,
        x_tags_normalized[$team_tag] as team,
        coalesce(resource_name, resource_id) as host,
        charge_period_start,
        charge_period_end,
        x_gpu_count,
        x_source
    from marts.cost_lines
    where x_tags_normalized[$run_tag] is not null and x_gpu_count > 0
),

billed as (
    select
        'tag:' || run_value as run_id,
        run_value as run_name,
        min(x_source) as source,
        cast(null as varchar) as "user",
        max(team) as team,
        min(charge_period_start) as started_at,
        max(charge_period_end) as ended_at,
        host,
        max(x_gpu_count) as gpu_count,
        'billing_tags' as basis
    from tagged
    where
        run_value not in (select s.run_id from staging.scheduled_runs as s)
        and run_value not in (
            select s.run_name from staging.scheduled_runs as s where s.run_name is not null
        )
    group by run_value, host
)

select * from staging.scheduled_runs
union all
select * from billed
