"""Which models a build must rebuild, and from when.

A load replaces whole time partitions (a billing period, a UTC day), and a nightly run changes
the newest ones. Rebuilding every model over the whole history each night would cost what the
history holds, not what changed. The contract every model keeps: a change to its inputs at time
t or later changes its rows only at ``t - lookback`` or later. So a model whose inputs changed
from t on is rebuilt from there (an incremental model replaces its tail; any other model is
rebuilt whole, and tells its readers its inputs changed from t on), and a model none of whose
inputs changed keeps its table.

A ``timeless`` model (``-- timeless: true``) keeps no such contract: its rows are not placed in
time (which host ran as which billed resource), so when its rows change every reader may change
anywhere. It is rebuilt whole when what it reads changed, and its readers are rebuilt whole
unless the build reports that its rows came out the same (``Planner.built``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from dbt_like.project import Project

#: "changed everywhere": a table (re)built whole, or a change the loads cannot place in time.
EVERYWHERE = datetime.min
#: what ``$range_start`` is bound to when an incremental model is built whole.
BEGINNING = datetime(1900, 1, 1)
#: a model the plan keeps as it is
KEEP = "keep"

#: model -> None (build it whole) or the time from which to replace its tail; a model that is
#: not in the plan keeps its table.
Plan = dict[str, datetime | None]


class Planner:
    """Decides model by model, in dependency order, as a build goes: what a timeless model's
    build found changes what the models after it need."""

    def __init__(
        self,
        project: Project,
        changes: Mapping[str, datetime],
        existing: Collection[str],
        full: bool = False,
    ) -> None:
        """``changes``: loaded table -> the earliest time a load since the last build changed
        (EVERYWHERE when it cannot tell); ``existing``: the models the warehouse holds."""
        self.project = project
        self.existing = set(existing)
        self.full = full
        self._starts: dict[str, datetime] = dict(changes)
        self._decided: dict[str, datetime | None | str] = {}

    def decide(self, name: str) -> datetime | None | str:
        """None: build whole; a time: replace the rows from then on; KEEP: keep the table."""
        if name in self._decided:
            return self._decided[name]
        node = self.project.models[name]
        for ref in self.project.dependencies(node):
            self.decide(ref)
        changed = [self._starts[r] for r in node.refs if r != name and r in self._starts]
        start = min(changed) if changed else None
        decision: datetime | None | str
        if node.materialized == "view" and not self.full:
            # a view holds no rows: always (re)made, since an engine over a store keeps its
            # views in memory, and changed where what it reads changed
            decision, passed_on = None, start
        elif self.full or name not in self.existing:
            decision, passed_on = None, EVERYWHERE
        elif start is None:
            decision, passed_on = KEEP, None
        elif node.incremental_by and start > EVERYWHERE:
            since = max(start - node.lookback, BEGINNING)
            if node.by_month:
                since = datetime(since.year, since.month, 1)
            decision, passed_on = since, since
        else:
            decision, passed_on = None, EVERYWHERE if node.timeless else start
        if passed_on is not None:
            self._starts[name] = passed_on
        self._decided[name] = decision
        return decision

    def built(self, name: str, rows_unchanged: bool) -> None:
        """What building a timeless model found: rows the same as before change no reader."""
        if rows_unchanged and self.project.models[name].timeless and not self.full:
            self._starts.pop(name, None)

    def plan(self) -> Plan:
        """Every decision at once, as if each timeless model's rows changed when rebuilt."""
        decisions = {node.name: self.decide(node.name) for node in self.project.ordered()}
        return {name: d for name, d in decisions.items() if not isinstance(d, str)}


def build_plan(
    project: Project,
    changes: Mapping[str, datetime],
    existing: Collection[str],
    full: bool = False,
) -> Plan:
    return Planner(project, changes, existing, full).plan()
