"""What the SQL models were last built from, so a run that loaded nothing new builds nothing.

The models are a function of the SQL files, the parameters and config tables bound into them,
and the loaded data. The fingerprint covers all four (the data by the history of good loads,
whoever ran them: `aispend run`, the Dagster schedule or a sensor); a run that loaded nothing
and finds the fingerprint of the last good build skips the build and its checks.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version

import duckdb

from aispend.config import AispendConfig
from aispend.config_tables import config_tables
from aispend.sql_models import SQL_DIR, model_params


def model_inputs(config: AispendConfig, con: duckdb.DuckDBPyConnection) -> str:
    """``con`` reads the warehouse's latest state (Warehouse.latest)."""
    digest = hashlib.sha256(version("aispend").encode())
    for path in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(path.relative_to(SQL_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(model_params(config), sort_keys=True).encode())
    digest.update(repr(sorted(config_tables(config).items())).encode())
    digest.update(json.dumps([b.model_dump(mode="json") for b in config.budgets]).encode())
    loads = con.execute(
        "SELECT count(*), max(finished_at) FROM meta.loads WHERE status = 'loaded'"
    ).fetchall()
    digest.update(repr(loads).encode())
    return digest.hexdigest()[:32]


def last_build(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "SELECT fingerprint FROM meta.model_builds ORDER BY built_at DESC LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else None
