"""Every source kind aispend reads, declared once: its name, what it reads, the config options
it takes, its reader, and whether it is billed by period or logged by day.

Config validation, the Dagster definitions, the CLI and the docs all read ``KINDS``; adding a
source is one new folder under connectors/ plus one ``SourceKind`` here (see ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connectors.anthropic import pull as anthropic_pull
from connectors.anthropic import source as anthropic
from connectors.aws import source as aws
from connectors.azure import source as azure
from connectors.billing import BillingContext, BillingReader, ExportTotal
from connectors.focus import source as focus
from connectors.gcp import source as gcp
from connectors.model_api.pull import PullSpec
from connectors.openai import pull as openai_pull
from connectors.openai import source as openai
from connectors.telemetry.batch import ReaderFactory, TelemetryOptions, TelemetryReader
from connectors.telemetry.dcgm import reader as dcgm
from connectors.telemetry.kubernetes import reader as kubernetes
from connectors.telemetry.nvidia_smi import reader as nvidia_smi
from connectors.telemetry.slurm import reader as slurm

Role = Literal["billing", "telemetry"]
#: Keys every source takes; a kind's ``options`` are the keys beyond these that it reads.
COMMON_OPTIONS = frozenset({"name", "kind", "path", "enabled", "endpoint_url"})


@dataclass(frozen=True)
class SourceKind:
    name: str
    #: billing: partitioned by (source, billing period) into marts.cost_lines; telemetry: by
    #: (source, UTC day) into the raw tables in ``writes``.
    role: Role
    reads: str
    suffixes: tuple[str, ...]
    options: frozenset[str] = frozenset()
    writes: tuple[str, ...] = ("marts.cost_lines",)
    billing_reader: Callable[[BillingContext], BillingReader] | None = None
    export_total: ExportTotal | None = None
    #: The public price list that fills its spot lines' on-demand cost, if it needs one.
    on_demand_prices: str | None = None
    telemetry_reader: ReaderFactory | None = None
    #: How ``aispend pull`` fetches its files from the provider's API, where it can.
    pull: PullSpec | None = None
    #: Its telemetry reader needs every file of a source in one read (its ``close`` joins what
    #: several files say), so a source of it is parsed whole, never file by file.
    files_together: bool = False

    @property
    def is_billing(self) -> bool:
        return self.role == "billing"

    def open_reader(self, options: TelemetryOptions) -> TelemetryReader:
        """A telemetry reader for one read of a source (see connectors/telemetry/batch.py)."""
        if self.telemetry_reader is None:
            raise ValueError(f"{self.name!r} is a billing source kind, not telemetry")
        return self.telemetry_reader(options)


KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in [
        SourceKind(
            "focus",
            "billing",
            "FOCUS 1.0-1.3 exports (CSV, gzip/zstd CSV, parquet)",
            focus.SUFFIXES,
            billing_reader=focus.billing_reader,
            export_total=focus.export_total,
        ),
        SourceKind(
            "aws_cur",
            "billing",
            "AWS CUR legacy and CUR 2.0 exports, with manifests",
            aws.SUFFIXES,
            billing_reader=aws.billing_reader,
            export_total=aws.export_total,
        ),
        SourceKind(
            "gcp_billing",
            "billing",
            "GCP Cloud Billing exports (JSON lines, CSV, parquet) or a BigQuery table",
            gcp.SUFFIXES,
            billing_reader=gcp.billing_reader,
            export_total=gcp.export_total,
            on_demand_prices="gcp",
        ),
        SourceKind(
            "azure_cost",
            "billing",
            "Azure Cost Management exports (EA, MCA; actual and amortized)",
            azure.SUFFIXES,
            billing_reader=azure.billing_reader,
            export_total=azure.export_total,
            on_demand_prices="azure",
        ),
        SourceKind(
            "openai",
            "billing",
            "OpenAI organization Costs and Usage API pages (JSON)",
            openai.SUFFIXES,
            billing_reader=openai.billing_reader,
            pull=openai_pull.PULL,
        ),
        SourceKind(
            "anthropic",
            "billing",
            "Anthropic Admin API cost and messages usage report pages (JSON)",
            anthropic.SUFFIXES,
            billing_reader=anthropic.billing_reader,
            pull=anthropic_pull.PULL,
        ),
        SourceKind(
            "nvidia_smi",
            "telemetry",
            "nvidia-smi --query-gpu CSV, dmon, compute apps",
            nvidia_smi.SUFFIXES,
            frozenset({"timezone", "host", "columns"}),
            ("raw.gpu_samples", "raw.gpu_processes"),
            telemetry_reader=nvidia_smi.NvidiaSmiReader,
        ),
        SourceKind(
            "dcgm",
            "telemetry",
            "dcgm-exporter scrapes or a Prometheus range query",
            dcgm.SUFFIXES,
            frozenset({"scrape_time"}),
            ("raw.gpu_samples",),
            telemetry_reader=dcgm.DcgmReader,
        ),
        SourceKind(
            "slurm",
            "telemetry",
            "sacct --parsable2 job accounting",
            slurm.SUFFIXES,
            frozenset({"timezone"}),
            ("raw.scheduler_jobs",),
            telemetry_reader=slurm.SlurmReader,
        ),
        SourceKind(
            "kubernetes",
            "telemetry",
            "kubectl get pods/nodes -o json snapshots",
            kubernetes.SUFFIXES,
            frozenset({"scrape_time"}),
            ("raw.scheduler_jobs", "raw.k8s_pods", "raw.k8s_nodes"),
            telemetry_reader=kubernetes.KubernetesReader,
            # a pod's run is made from every snapshot that saw it
            files_together=True,
        ),
    ]
}


def source_kind(name: str) -> SourceKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown source kind {name!r} (known: {', '.join(KINDS)})") from None


def telemetry_kind(name: str) -> SourceKind:
    kind = source_kind(name)
    if kind.telemetry_reader is None:
        raise ValueError(f"{name!r} is a billing source kind: no reader of telemetry")
    return kind


def billing_reader(
    kind: str,
    root: str,
    endpoint_url: str | None = None,
    *,
    on_demand: Callable[[set[Any]], Any] | Mapping[Any, Any] | None = None,
    bigquery: Any = None,
) -> BillingReader:
    """The connector of a billing source kind over ``root`` (see BillingContext)."""
    spec = source_kind(kind)
    if spec.billing_reader is None:
        raise ValueError(f"{kind!r} is a telemetry source kind, not billing")
    return spec.billing_reader(BillingContext(root, endpoint_url, on_demand, bigquery))
