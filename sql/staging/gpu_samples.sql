-- model: staging.gpu_samples
-- grain: one row per GPU (or MIG instance) sample
-- materialized: view
-- description: Samples from every telemetry source with the host resolved: on Kubernetes dcgm-exporter labels samples with its own pod's name (unless NODE_NAME is set), which the pods snapshot maps to the node. The GPU unit is the GPU index, or the GPU index and MIG instance. limit_w: the power limit the tool reported, else the GPU model's board power (meta.gpu_board_power). energy_mj: DCGM's energy counter (mJ since the driver loaded); sm_active, tensor_active, dram_active: DCGM's profiling ratios (0-1).
with exporter_pods as (
    select name, max(node) as node
    from raw.k8s_pods
    group by name
),

board as (
    select lower(gpu_model) as gpu_model, max(board_power_w) as board_power_w
    from meta.gpu_board_power
    group by lower(gpu_model)
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
    s.power_w,
    s.gpu_name,
    coalesce(s.power_limit_w, b.board_power_w) as limit_w,
    s.energy_mj,
    s.sm_active,
    s.tensor_active,
    s.dram_active
from raw.gpu_samples as s
left join exporter_pods as p on s.host = p.name
left join board as b on lower(s.gpu_name) = b.gpu_model
