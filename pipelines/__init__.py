"""Dagster code location: ``dagster dev -m pipelines``.

The config is found as the CLI finds it (``$AISPEND_CONFIG`` or ./aispend.yaml); with none, the
built-in demo config (bundled FOCUS sample, ./aispend.duckdb) is used.
"""

from aispend.config import find_config, load_config
from aispend.demo import demo_config
from pipelines.definitions import build_definitions

_config_path = find_config()
defs = build_definitions(load_config(_config_path) if _config_path else demo_config())
