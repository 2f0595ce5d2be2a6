"""Dagster code location: ``dagster dev -m pipelines``.

The config is found as the CLI finds it (``$AISPEND_CONFIG`` or ./aispend.yaml); with none, the
built-in demo config (bundled FOCUS sample, ./aispend.duckdb) is used. ``defs`` is built on first
access, so importing a pipeline module (as the CLI does) never reads a config as a side effect.
"""

import warnings
from typing import Any

from dagster import BetaWarning, PreviewWarning, SupersessionWarning

# We choose Dagster's beta features (backfill policies, pools) knowingly: their notices are
# for us, not for the people running the pipeline, and would bury its own output.
for _category in (BetaWarning, PreviewWarning, SupersessionWarning):
    warnings.filterwarnings("ignore", category=_category)


def __getattr__(name: str) -> Any:
    if name != "defs":
        raise AttributeError(f"module 'pipelines' has no attribute {name!r}")
    from aispend.config import find_config, load_config
    from aispend.demo import demo_config
    from pipelines.definitions import build_definitions

    path = find_config()
    defs = build_definitions(load_config(path) if path else demo_config())
    globals()["defs"] = defs
    return defs


def __dir__() -> list[str]:
    return sorted({*globals(), "defs"})
