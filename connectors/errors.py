"""Errors a user can act on: each names the file, the row and the column at fault.

Bad input must never be silently dropped or half-loaded, so connectors raise these and the
loader records them against the (source, period) partition they belong to. They live with
the connectors, which depend on nothing of aispend's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with one input file; row is the 1-based data row (header excluded)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when an input file cannot be loaded as it is; carries every problem found."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(shown + more)


class InputProblemError(Exception):
    """One problem that stops a file from being read at all (raised by connectors)."""

    def __init__(self, problem: InputProblem):
        self.problem = problem
        super().__init__(str(problem))
