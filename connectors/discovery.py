"""What an export holds, as every billing connector reports it to the loader."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef


@dataclass
class Discovery:
    """What an export holds: files per billing period, files we could not place in a period
    (they block every period of the source), and problems that fail one period only."""

    periods: dict[str, list[FileRef]] = field(default_factory=dict)
    unplaced: list[InputProblem] = field(default_factory=list)
    failed: dict[str, list[InputProblem]] = field(default_factory=dict)


PeriodsOf = Callable[[FileRef], tuple[set[str], list[InputProblem]]]


def place_files(
    refs: Iterable[FileRef], periods_of: PeriodsOf
) -> tuple[dict[str, list[FileRef]], list[InputProblem]]:
    """Each file under every billing period its rows name (``periods_of`` reads them), and the
    problems of files that could not be placed, for exports that do not say a file's period in
    its path."""
    found: dict[str, list[FileRef]] = defaultdict(list)
    unplaced: list[InputProblem] = []
    for ref in refs:
        try:
            periods, problems = periods_of(ref)
        except InputProblemError as exc:
            periods, problems = set(), [exc.problem]
        unplaced.extend(problems)
        for period in periods:
            found[period].append(ref)
    return dict(sorted(found.items())), unplaced
