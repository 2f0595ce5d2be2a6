-- model: staging.host_resources
-- grain: one row per GPU host (as telemetry and schedulers name it) and billed resource it ran as
-- materialized: table
-- timeless: true
-- description: Host to bill. The config's hosts: list decides first (with its GPU count); other hosts match a billed GPU resource whose id, name or Name tag equals the host name (case-insensitive), preferring the id, then the name, then the tag. gpus is null where the bill's instance type gives the count.
with hosts as (
    select distinct host from staging.gpu_samples
    union
    select distinct h.host
    from raw.scheduler_jobs as j
    cross join unnest(j.hosts) as h (host)
),

gpu_resources as (
    select distinct resource_id, resource_name, x_tags_normalized['name'] as name_tag
    from marts.cost_lines
    where resource_id is not null and x_gpu_count > 0
),

names as (
    select resource_id, lower(resource_id) as name, 1 as preference from gpu_resources
    union all
    select resource_id, lower(resource_name) as name, 2 as preference from gpu_resources
    where resource_name is not null
    union all
    select resource_id, lower(name_tag) as name, 3 as preference from gpu_resources
    where name_tag is not null
),

candidates as (
    select h.host, n.resource_id, n.preference
    from hosts as h
    inner join names as n on lower(h.host) = n.name
    where h.host not in (select m.host from meta.host_map as m where m.resource_id is not null)
),

best as (
    select host, min(preference) as preference
    from candidates
    group by host
)

select
    m.host,
    m.resource_id,
    m.gpus,
    'config' as matched_by
from meta.host_map as m
where m.resource_id is not null

union all

select distinct
    c.host,
    c.resource_id,
    cast(null as double) as gpus,
    case c.preference when 1 then 'resource_id' when 2 then 'resource_name' else 'name_tag' end
        as matched_by
from candidates as c
inner join best as b on c.host = b.host and c.preference = b.preference
