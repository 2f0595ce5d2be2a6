"""FOCUS 1.0-1.3 exports (CSV, gzip CSV or parquet) from any converter or provider.

Reads files as text (parquet keeps its types), puts header names in FOCUS's own spelling, and
assigns each row to its billing period. It applies no business rules: see normalize.py beside it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from connectors.cut_off import place_files
from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef, FileSystem
from connectors.parsing import cut_short, null_markers, require_columns, timestamp_expr

FOCUS_COLUMNS = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractApplied",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "AllocatedMethodId",
    "AllocatedMethodDetails",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
]
_CANONICAL = {name.lower(): name for name in FOCUS_COLUMNS}
REQUIRED = ("BilledCost", "BillingPeriodStart", "ChargePeriodStart")
#: The costs that make the bill: a null marker (``N/A``, ``NULL``) there is refused, not nulled.
BILL_COLUMNS = ("BilledCost", "EffectiveCost")
SUFFIXES = (".csv", ".csv.gz", ".parquet")


class FocusExport:
    """One FOCUS export location, read period by period."""

    def __init__(self, root: str, fs: FileSystem):
        self.root = root
        self.fs = fs
        #: The periods each file's rows named when discover() read it (by name, size and
        #: stamp): a file that holds one period loads without testing each row's period.
        self.periods_seen: dict[tuple[str, int, str], set[str]] = {}

    def files(self) -> list[FileRef]:
        return self.fs.list(self.root, SUFFIXES)

    def discover(self) -> Discovery:
        return place_files(self.files(), self.fs.local_path, self._periods_at)

    def _periods_at(self, ref: FileRef, path: Path | None) -> tuple[set[str], list[InputProblem]]:
        """The periods the file's rows name, told from its distinct (start, end) pairs; only
        where a pair names no period are the rows read to say which ones."""
        try:
            frame = self.scan(ref, path)
            names = frame.collect_schema().names()
            _require_period_column(ref, names)
            bounds = [c for c in ("BillingPeriodStart", "BillingPeriodEnd") if c in names]
            pairs = null_markers(frame.select(bounds)).unique().collect()
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise unreadable(ref, exc) from exc
        named = pairs.select(period_expr(pairs.schema)).to_series()
        problems: list[InputProblem] = []
        if named.null_count() == 0:
            periods = set(named.to_list())
        else:
            columns = ("BillingPeriodStart", "BillingPeriodEnd")
            periods, problems = _periods_of(self._read(ref, columns=columns, path=path))
        if path is None and not problems:
            self.periods_seen[(ref.uri, ref.size, ref.stamp)] = periods
        return periods, problems

    def holds_only(self, ref: FileRef, period: str) -> bool:
        return self.periods_seen.get((ref.uri, ref.size, ref.stamp)) == {period}

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        """Raw rows of ``period`` from ``files`` (as discovered), with _file and _row columns."""
        frames = []
        for ref in files:
            frame = self._read(ref)
            problem = require_columns(frame, REQUIRED, ref.uri, "FOCUS")
            if problem is not None:
                raise InputProblemError(problem)
            frames.append(
                frame.with_columns(period_expr(frame.schema)).filter(pl.col("_period") == period)
            )
        return pl.concat(frames, how="diagonal_relaxed").drop("_period").lazy()

    def _read(
        self, ref: FileRef, columns: tuple[str, ...] | None = None, path: Path | None = None
    ) -> pl.DataFrame:
        """One file as text (parquet keeps its types); ``columns`` reads only those; ``path``
        reads that local copy in place of the file (the readable part of a cut-off one)."""
        try:
            frame = self.scan(ref, path)
            if columns is not None:
                names = frame.collect_schema().names()
                _require_period_column(ref, names)
                frame = frame.select([c for c in (*columns, "_file", "_row") if c in names])
            return null_markers(frame, BILL_COLUMNS).collect()
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise unreadable(ref, exc) from exc

    def scan(self, ref: FileRef, path: Path | None = None) -> pl.LazyFrame:
        """One file lazily, columns in FOCUS's spelling as written (no null markers applied),
        with ``_file`` and ``_row`` (1 = the first data row): what the loader streams."""
        frame = self._scan(ref, path)
        return frame.with_row_index("_row", offset=1).with_columns(
            pl.lit(ref.uri).alias("_file"), pl.col("_row").cast(pl.Int64)
        )

    def _scan(self, ref: FileRef, path: Path | None = None) -> pl.LazyFrame:
        """Parquet, or CSV plain, gzip or zstd (polars tells them by their first bytes)."""
        if path is None:
            path = self.fs.local_path(ref)
            cut = cut_short(path, ref.uri)
            if cut is not None:
                raise InputProblemError(cut)
        if ref.uri.lower().endswith(".parquet"):
            frame = pl.scan_parquet(path)
        else:
            frame = pl.scan_csv(path, infer_schema=False, raise_if_empty=True)
        return frame.rename(_canonical_names(frame.collect_schema().names()))


def _canonical_names(columns: list[str]) -> dict[str, str]:
    renamed = {}
    for col in columns:
        clean = col.lstrip("\ufeff").strip().strip('"')
        renamed[col] = _CANONICAL.get(clean.lower(), clean)
    return renamed


def _require_period_column(ref: FileRef, names: list[str]) -> None:
    if "BillingPeriodStart" not in names:
        raise InputProblemError(
            InputProblem(
                file=ref.uri,
                column="BillingPeriodStart",
                message="required FOCUS column BillingPeriodStart is missing, so the file's "
                "billing period is unknown",
            )
        )


def unreadable(ref: FileRef, exc: BaseException) -> InputProblemError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputProblemError(
        InputProblem(file=ref.uri, message=f"cannot be read as FOCUS data: {message}")
    )


def period_expr(schema: pl.Schema) -> pl.Expr:
    """A row's billing period: the month at the middle of [BillingPeriodStart, BillingPeriodEnd).

    Taking the middle keeps a period written with a zone offset (2024-09-01T00:00:00+02:00, which
    is 2024-08-31 in UTC) in the month the provider meant.
    """
    start = timestamp_expr("BillingPeriodStart", schema["BillingPeriodStart"])
    if "BillingPeriodEnd" in schema:
        end = timestamp_expr("BillingPeriodEnd", schema["BillingPeriodEnd"])
        middle = (
            pl.when(end > start)
            .then(start + (end - start) / 2)
            .otherwise(start + timedelta(hours=14))
        )
    else:
        middle = start + timedelta(hours=14)
    return middle.dt.strftime("%Y-%m").alias("_period")


def _periods_of(frame: pl.DataFrame) -> tuple[set[str], list[InputProblem]]:
    with_period = frame.with_columns(period_expr(frame.schema))
    bad = with_period.filter(pl.col("_period").is_null()).head(5)
    problems = [
        InputProblem(
            file=f,
            row=r,
            column="BillingPeriodStart",
            message=f"not a timestamp: {v!r}, so the row's billing period is unknown",
        )
        for f, r, v in bad.select("_file", "_row", "BillingPeriodStart").iter_rows()
    ]
    periods = set(with_period.get_column("_period").drop_nulls().unique().to_list())
    return periods, problems
