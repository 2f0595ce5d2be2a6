"""aispend.yaml: where it is found, what it may say, and errors that name the file and the key.

Every model forbids unknown keys, because a typo in a budget or a source path that is silently
ignored costs money. Relative paths are resolved against the config file's own folder so the same
file works from any working directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from aispend.budget_config import BudgetConfig
from aispend.carbon_config import CarbonConfig
from aispend.config_base import Strict as _Strict
from aispend.errors import ConfigError
from aispend.sink_config import SINK_KINDS, AlertSink
from connectors.registry import COMMON_OPTIONS, KINDS, SourceKind

CONFIG_ENV = "AISPEND_CONFIG"
CONFIG_NAME = "aispend.yaml"


class SourceConfig(_Strict):
    """One place bills or GPU logs come from."""

    name: str
    #: One of connectors/registry.py's KINDS.
    kind: str
    path: str
    timezone: str = "UTC"
    host: str | None = None
    endpoint_url: str | None = None
    #: nvidia-smi logs written with ``noheader``: the --query-gpu list, in order.
    columns: list[str] | None = None
    #: DCGM text scrapes and Kubernetes snapshots carry no time: take it from the file name
    #: (an ISO timestamp or epoch seconds in it) or from the file's modification time.
    scrape_time: Literal["filename", "mtime"] = "filename"
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError("must be lower_snake_case (letters, digits, _), e.g. 'focus_main'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as UTC)") from exc
        return value

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            known = ", ".join(map(repr, KINDS))
            raise ValueError(f"unknown source kind {value!r} (one of: {known})")
        return value

    @model_validator(mode="after")
    def _options_of_its_kind(self) -> SourceConfig:
        """An option the kind does not read (``columns`` on a bill) is a mistake, not a
        no-op: it names the key and what it applies to."""
        allowed = COMMON_OPTIONS | KINDS[self.kind].options
        for option in sorted(self.model_fields_set - allowed):
            takers = [k.name for k in KINDS.values() if option in k.options]
            raise ValueError(
                f"option {option!r} does not apply to kind {self.kind!r} "
                f"(it applies to: {', '.join(takers)})"
            )
        return self

    @property
    def source_kind(self) -> SourceKind:
        return KINDS[self.kind]

    @property
    def is_billing(self) -> bool:
        return self.source_kind.is_billing


class HostConfig(_Strict):
    """Which billed resource a GPU host is and how many GPUs it has, or where it runs (the
    region whose grid powers it) for a host no bill names."""

    host: str
    resource_id: str | None = None
    gpus: float | None = Field(default=None, gt=0)
    region: str | None = None

    @model_validator(mode="after")
    def _says_something(self) -> HostConfig:
        if self.resource_id is None and self.region is None:
            raise ValueError(f"host {self.host!r}: give its resource_id, its region, or both")
        if self.resource_id is not None and self.gpus is None:
            raise ValueError(f"host {self.host!r}: a host mapped to a resource_id needs 'gpus'")
        return self


class RunsConfig(_Strict):
    """How training runs are recognised on bills and in telemetry."""

    run_tag: str = "training_run"
    team_tag: str = "team"
    idle_util_pct: float = Field(default=1.0, ge=0, le=100)


class PricesConfig(_Strict):
    """Public list prices for what spot would have cost on demand (GCP's Cloud Catalog, the
    Azure Retail Prices API), cached in the warehouse with their fetch date."""

    fetch: bool = True
    max_age_days: int = Field(default=7, ge=0)
    #: Default: Google's API with application default credentials. Set for a mirror.
    gcp_catalog_endpoint: str | None = None
    azure_retail_url: str = "https://prices.azure.com/api/retail/prices"


class SparkConfig(_Strict):
    """Where the Spark driver connects and any other Spark settings (``spark.*`` keys).

    ``remote`` names a Spark Connect server (``sc://host:15002``) instead of a ``master``: the
    models step is then a thin gRPC client with no JVM of its own, as a shared cluster,
    Databricks or EMR serve it.
    """

    master: str = "local[*]"
    remote: str | None = None
    app_name: str = "aispend"
    conf: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way_in(self) -> SparkConfig:
        if self.remote is not None:
            if "master" in self.model_fields_set:
                raise ValueError(
                    "spark: set either 'master' (Spark runs in the models step) "
                    "or 'remote' (a Spark Connect server), not both"
                )
            if not self.remote.startswith("sc://"):
                raise ValueError(
                    f"spark.remote must be a Spark Connect URL such as "
                    f"sc://spark-connect:15002, not {self.remote!r}"
                )
        return self


class AispendConfig(_Strict):
    """The whole aispend.yaml. ``base_dir`` is the folder the file was read from."""

    warehouse: str = "aispend.duckdb"
    #: What runs the SQL models: DuckDB (one machine) or Spark (a cluster; needs ``store``).
    engine: Literal["duckdb", "spark"] = "duckdb"
    #: A folder or s3:// URI holding the warehouse as Hive-partitioned parquet instead of the
    #: DuckDB file: loads write partitions in parallel and any engine can read it.
    store: str | None = None
    spark: SparkConfig = Field(default_factory=SparkConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    hosts: list[HostConfig] = Field(default_factory=list)
    runs: RunsConfig = Field(default_factory=RunsConfig)
    prices: PricesConfig = Field(default_factory=PricesConfig)
    budgets: list[BudgetConfig] = Field(default_factory=list)
    alerts: dict[str, AlertSink] = Field(default_factory=dict)
    carbon: CarbonConfig = Field(default_factory=CarbonConfig)
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> AispendConfig:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        for budget in self.budgets:
            for sink in budget.notify:
                if sink not in self.alerts:
                    raise ValueError(f"budget {budget.name!r} notifies unknown alert {sink!r}")
        if self.engine == "spark" and not self.store:
            raise ValueError(
                "engine: spark reads and writes a parquet store: set 'store:' to a "
                "folder or s3:// URI"
            )
        return self

    @property
    def store_uri(self) -> str | None:
        """The parquet store as an absolute path or s3:// URI; None for the DuckDB file."""
        if self.store is None:
            return None
        if "://" in self.store:
            return self.store.rstrip("/")
        return str(resolve_path(self.store, self.base_dir))

    @property
    def warehouse_path(self) -> Path:
        return resolve_path(self.warehouse, self.base_dir)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source named {name!r} in the config")

    def source_path(self, source: SourceConfig) -> str:
        if "://" in source.path:
            return source.path
        return str(resolve_path(source.path, self.base_dir))


def resolve_path(value: str, base_dir: Path) -> Path:
    path = Path(os.path.expandvars(os.path.expanduser(value)))
    return path if path.is_absolute() else (base_dir / path)


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """``--config`` first, then ``$AISPEND_CONFIG``, then ./aispend.yaml; None if none exists."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    local = Path.cwd() / CONFIG_NAME
    return local if local.exists() else None


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 reads ``on:`` as True, and budgets say
    ``{percent: 80, on: actual}``."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_config(path: str | os.PathLike[str]) -> AispendConfig:
    """Read and validate one config file; every error names the file and the offending key."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # noqa: S506
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: config file not found") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: a folder, not a config file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys such as 'sources:'")
    return config_from_dict(raw, base_dir=path.resolve().parent, origin=str(path))


def config_from_dict(raw: dict[str, Any], *, base_dir: Path, origin: str) -> AispendConfig:
    try:
        return AispendConfig.model_validate({**raw, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin, raw)) from exc


def _describe(exc: ValidationError, origin: str, raw: dict[str, Any]) -> str:
    lines = [f"{origin}: invalid configuration"]
    for err in exc.errors():
        loc = _location(err["loc"], raw)
        if err["type"] == "extra_forbidden":
            lines.append(f"  {loc}: unknown key (check its spelling)")
        else:
            lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def _location(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    """Render ('sources', 0, 'pathh') as sources[0] (name: x).pathh, skipping union tags."""
    out = ""
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "name" in node:
                out += f" (name: {node['name']})"
            continue
        if isinstance(node, dict) and part not in node and part in SINK_KINDS:
            continue  # pydantic's discriminator tag, not a key the user wrote
        out += f".{part}" if out else str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"
