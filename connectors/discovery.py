"""What an export holds, as every billing connector reports it to the loader."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.errors import InputProblem
from connectors.files import FileRef


@dataclass
class Discovery:
    """What an export holds: files per billing period, files we could not place in a period
    (they block every period of the source), and problems that fail one period only."""

    periods: dict[str, list[FileRef]] = field(default_factory=dict)
    unplaced: list[InputProblem] = field(default_factory=list)
    failed: dict[str, list[InputProblem]] = field(default_factory=dict)
