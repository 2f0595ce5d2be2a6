-- model: staging.gpu_samples
-- grain: one row per GPU (or MIG instance) sample
-- materialized: view
-- description: Samples from every telemetry source with the host resolved: on Kubernetes dcgm-exporter labels samples with its own pod's name (unless NODE_NAME is set), which the pods snapshot maps to the node. The GPU unit is the GPU index, or the GPU index and MIG instance.
with exporter_pods as (
    select name, max(node) as node
    from raw.k8s_pods
    group by name
)

select
    s.x_source,
    coalesce(p.node, s.host) as host,
    s.gpu_index,
    coalesce(cast(s.gpu_index as varchar), '?') || coalesce('/' || s.mig_instance, '') as gpu_unit,
    s.mig_instance,
    s.mig_profile,
    s.pod,
    s.namespace,
    s.job,
    s.ts,
    s.util_pct,
    s.mem_used_mib,
    s.power_w
from raw.gpu_samples as s
left join exporter_pods as p on s.host = p.name
