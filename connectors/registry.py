"""Which connector reads which source kind, behind one small interface the loader relies on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import polars as pl

from aispend.errors import InputProblem
from connectors.aws_cur import CurExport
from connectors.aws_cur_normalize import cur_control_totals, cur_problems, normalize_cur
from connectors.files import FileRef, filesystem_for
from connectors.focus import Discovery, FocusExport, focus_control_totals
from connectors.focus_normalize import focus_problems, normalize_focus


class BillingReader(Protocol):
    """What the loader needs from a billing connector, one (source, period) at a time."""

    def discover(self) -> Discovery: ...

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame: ...

    def problems(self, raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
        """Values of ``raw`` that did not survive normalization into ``lines``."""
        ...

    def normalize(self, raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame: ...

    def control_totals(self, raw: pl.DataFrame) -> list[tuple[str | None, int, Decimal]]: ...


@dataclass
class FocusReader:
    export: FocusExport

    def discover(self) -> Discovery:
        return self.export.discover()

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        return self.export.read(period, files)

    def problems(self, raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
        return focus_problems(raw, lines)

    def normalize(self, raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
        return normalize_focus(raw, source=source, period=period)

    def control_totals(self, raw: pl.DataFrame) -> list[tuple[str | None, int, Decimal]]:
        return focus_control_totals(raw)


@dataclass
class CurReader:
    export: CurExport

    def discover(self) -> Discovery:
        return self.export.discover()

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        return self.export.read(period, files)

    def problems(self, raw: pl.DataFrame, lines: pl.DataFrame) -> list[InputProblem]:
        return cur_problems(raw, lines)

    def normalize(self, raw: pl.LazyFrame, *, source: str, period: str) -> pl.LazyFrame:
        return normalize_cur(raw, source=source, period=period)

    def control_totals(self, raw: pl.DataFrame) -> list[tuple[str | None, int, Decimal]]:
        return cur_control_totals(raw)


class UnsupportedKind(Exception):
    """A source kind the config accepts but this version cannot read yet."""


def billing_reader(kind: str, root: str, endpoint_url: str | None = None) -> BillingReader:
    fs = filesystem_for(root, endpoint_url)
    if kind == "focus":
        return FocusReader(FocusExport(root, fs))
    if kind == "aws_cur":
        return CurReader(CurExport(root, fs))
    raise UnsupportedKind(
        f"source kind {kind!r} has no connector in this version of aispend yet; "
        "export the data as FOCUS (kind: focus) meanwhile")
