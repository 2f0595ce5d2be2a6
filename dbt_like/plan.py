"""Which models a build must rebuild, and from when.

A load replaces whole time partitions (a billing period, a UTC day), and a nightly run changes
the newest ones. Rebuilding every model over the whole history each night would cost what the
history holds, not what changed. The contract every model keeps: a change to its inputs at time
t or later changes its rows only at ``t - lookback`` or later. So a model whose inputs changed
from t on is rebuilt from there (an incremental model replaces its tail; any other model is
rebuilt whole, and tells its readers its inputs changed from t on), and a model none of whose
inputs changed keeps its table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from dbt_like.project import Project

#: "changed everywhere": a table (re)built whole, or a change the loads cannot place in time.
EVERYWHERE = datetime.min
#: what ``$range_start`` is bound to when an incremental model is built whole.
BEGINNING = datetime(1900, 1, 1)

#: model -> None (build it whole) or the time from which to replace its tail; a model that is
#: not in the plan keeps its table.
Plan = dict[str, datetime | None]


def build_plan(
    project: Project,
    changes: Mapping[str, datetime],
    existing: Collection[str],
    full: bool = False,
) -> Plan:
    """``changes``: loaded table -> the earliest time a load since the last build changed
    (EVERYWHERE when it cannot tell); ``existing``: the models the warehouse holds."""
    starts: dict[str, datetime] = dict(changes)
    plan: Plan = {}
    for node in project.ordered():
        if node.materialized == "view" and not full:
            # a view holds no rows: always (re)made, since an engine over a store keeps its
            # views in memory, and changed where what it reads changed
            plan[node.name] = None
            changed = [starts[ref] for ref in node.refs if ref != node.name and ref in starts]
            if changed:
                starts[node.name] = min(changed)
            continue
        if full or node.name not in existing:
            plan[node.name] = None
            starts[node.name] = EVERYWHERE
            continue
        changed = [starts[ref] for ref in node.refs if ref != node.name and ref in starts]
        if not changed:
            continue
        start = min(changed)
        if node.incremental_by and start > EVERYWHERE:
            since = max(start - node.lookback, BEGINNING)
            plan[node.name] = since
            starts[node.name] = since
        else:
            plan[node.name] = None
            starts[node.name] = start
    return plan
