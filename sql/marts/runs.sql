-- model: marts.runs
-- grain: one row per training run and host it ran on
-- materialized: table
-- description: Runs from the schedulers (basis 'scheduler': Slurm jobs with GPUs, GPUs split evenly over their nodes; Kubernetes pods requesting GPUs or MIG slices, grouped by the run label) and runs known only from billing tags (basis 'billing_tags': a run tag value on billed GPU resources that names no scheduled run by id or name; the host is the billed resource). run_id: slurm:<cluster>:<job>, k8s:<namespace>/<run> or tag:<value>; source: the telemetry or billing source; user and team (Slurm: the account); started_at/ended_at in UTC (ended_at null while running); gpu_count: GPUs the run held on this host. Built by staging.runs, which the pricing and attribution models read.
select * from staging.runs
