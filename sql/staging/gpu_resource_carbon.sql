-- model: staging.gpu_resource_carbon
-- grain: one row per GPU resource: a host that telemetry, a scheduler or the config names, or a billed GPU resource no host maps to
-- materialized: table
-- timeless: true
-- description: Where each GPU resource draws its power and what that power emits. region: the config's hosts: entry, else the region of the billed resource the host runs as; provider: the bill's, else the one provider whose table names the region. grid_gco2e_per_kwh: the config's carbon.grid_gco2e_per_kwh for the region, else the built-in table's (meta.grid_intensity), else the config's 'default'; grid_source names which, with the table's source and year. pue: carbon.pue, else the provider's (meta.cloud_pue). Null where nothing says: such energy gets no CO2e rather than a guess. gpu_model: the bill's GPU model, for estimates from board power.
with billed as (
    select
        resource_id,
        max(provider) as provider,
        max(region) as region,
        max(x_gpu_model) as gpu_model
    from marts.cost_lines
    where resource_id is not null and x_gpu_count > 0
    group by resource_id
),

host_bills as (
    select
        r.host,
        min(b.provider) as provider,
        min(b.region) as region,
        min(b.gpu_model) as gpu_model
    from staging.host_resources as r
    inner join billed as b on r.resource_id = b.resource_id
    group by r.host
),

configured as (
    select host, max(region) as region
    from meta.host_map
    group by host
),

hosts as (
    select distinct host from staging.gpu_samples
    union
    select distinct h.host
    from raw.scheduler_jobs as j
    cross join unnest(j.hosts) as h (host)
    union
    select host from meta.host_map
),

resources as (
    select
        h.host as gpu_resource,
        h.host,
        coalesce(c.region, b.region) as region,
        b.provider,
        b.gpu_model
    from hosts as h
    left join configured as c on h.host = c.host
    left join host_bills as b on h.host = b.host
    where h.host is not null

    union all

    select
        b.resource_id as gpu_resource,
        cast(null as varchar) as host,
        b.region,
        b.provider,
        b.gpu_model
    from billed as b
    where not exists (
        select 1 from staging.host_resources as r where r.resource_id = b.resource_id
    )
),

region_providers as (
    select lower(replace(region, ' ', '')) as region_key, min(provider) as provider
    from meta.grid_intensity
    where provider is not null
    group by lower(replace(region, ' ', ''))
    having count(distinct provider) = 1
),

config_grid as (
    select lower(replace(region, ' ', '')) as region_key, max(grid_gco2e_per_kwh) as grid
    from meta.grid_intensity
    where source = 'config'
    group by lower(replace(region, ' ', ''))
),

table_grid as (
    select
        provider,
        lower(replace(region, ' ', '')) as region_key,
        max(grid_gco2e_per_kwh) as grid,
        max(source || ' (' || cast(year as varchar) || ')') as source
    from meta.grid_intensity
    where source <> 'config'
    group by provider, lower(replace(region, ' ', ''))
),

config_pue as (
    select max(pue) as pue from meta.cloud_pue where source = 'config'
),

table_pue as (
    select provider, max(pue) as pue, max(source || ' (' || cast(year as varchar) || ')') as source
    from meta.cloud_pue
    where source <> 'config'
    group by provider
),

placed as (
    select
        r.gpu_resource,
        r.host,
        r.region,
        lower(replace(r.region, ' ', '')) as region_key,
        coalesce(r.provider, p.provider) as provider,
        r.gpu_model
    from resources as r
    left join region_providers as p on lower(replace(r.region, ' ', '')) = p.region_key
)

select
    p.gpu_resource,
    p.host,
    p.provider,
    p.region,
    p.gpu_model,
    coalesce(cr.grid, t.grid, cd.grid) as grid_gco2e_per_kwh,
    case
        when cr.grid is not null then 'config'
        when t.grid is not null then t.source
        when cd.grid is not null then 'config (default)'
    end as grid_source,
    coalesce(cp.pue, tp.pue) as pue,
    case when cp.pue is not null then 'config' else tp.source end as pue_source
from placed as p
cross join config_pue as cp
left join config_grid as cr on p.region_key = cr.region_key
left join table_grid as t on p.provider = t.provider and p.region_key = t.region_key
left join config_grid as cd on cd.region_key = 'default'
left join table_pue as tp on p.provider = tp.provider
