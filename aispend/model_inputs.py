"""What the SQL models were last built from, so a run that loaded nothing new builds nothing.

The models are a function of the SQL files, the parameters and config tables bound into them,
and the loaded data. The fingerprint covers all four (the data by the history of good loads,
whoever ran them: `aispend run`, the Dagster schedule or a sensor); a run that loaded nothing
and finds the fingerprint of the last good build skips the build and its checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version

import duckdb

from aispend.config import AispendConfig
from aispend.config_tables import config_tables
from aispend.sql_models import SQL_DIR, model_params


@dataclass(frozen=True)
class ModelBuildRecord:
    """The last good build: what it was built from, and the last load it had seen."""

    fingerprint: str
    definition: str
    loads_until: datetime


def model_definition(config: AispendConfig) -> str:
    """What the models compute, apart from the data: SQL, parameters and config tables."""
    digest = hashlib.sha256(version("aispend").encode())
    for path in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(path.relative_to(SQL_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(model_params(config), sort_keys=True).encode())
    digest.update(repr(sorted(config_tables(config).items())).encode())
    digest.update(json.dumps([b.model_dump(mode="json") for b in config.budgets]).encode())
    return digest.hexdigest()[:32]


def model_inputs(config: AispendConfig, con: duckdb.DuckDBPyConnection) -> str:
    """``con`` reads the warehouse's latest state (Warehouse.latest): the definition, the
    history of good loads, and the last of them (from which the next build's changes count)."""
    row = con.execute(
        "SELECT count(*), max(finished_at) FROM meta.loads WHERE status = 'loaded'"
    ).fetchone()
    count, until = (row[0], row[1]) if row else (0, None)
    until = until or datetime(1970, 1, 1)
    return f"{model_definition(config)}:{count}:{until.isoformat()}"


def last_build(con: duckdb.DuckDBPyConnection) -> ModelBuildRecord | None:
    row = con.execute(
        "SELECT fingerprint FROM meta.model_builds ORDER BY built_at DESC LIMIT 1"
    ).fetchone()
    if not row:
        return None
    fingerprint = str(row[0])
    parts = fingerprint.split(":", 2)
    if len(parts) != 3:
        return None  # recorded by an older aispend: build whole once
    try:
        until = datetime.fromisoformat(parts[2])
    except ValueError:
        return None
    return ModelBuildRecord(fingerprint, parts[0], until)
