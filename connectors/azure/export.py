"""Azure Cost Management exports (EA, MCA and the pre-2021 usage schema), read as text.

Microsoft has shipped the same data under several spellings: EA PascalCase
(``CostInBillingCurrency``), MCA camelCase (``costInBillingCurrency``) and the old usage schema
(``UsageDateTime``, ``PreTaxCost``, ``InstanceId``). Header names are matched case-insensitively
onto one PascalCase spelling here, so the normalizer reads one schema. Each row is tagged with the
export it came from (``_kind``: actual or amortized, from the file or folder name), because one
source folder may hold both exports of a period and they must be combined, not added.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import polars as pl

from connectors.aws.export import newest_delivery
from connectors.cut_off import place_files
from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef, FileSystem
from connectors.parsing import cut_short, null_markers

SUFFIXES = (".csv", ".csv.gz", ".parquet")

#: The columns the normalizer reads, in the spelling they are brought to.
AZURE_COLUMNS = [
    "AccountName",
    "AdditionalInfo",
    "BenefitId",
    "BenefitName",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingCurrencyCode",
    "BillingPeriodEndDate",
    "BillingPeriodStartDate",
    "BillingProfileId",
    "ChargeType",
    "ConsumedService",
    "Cost",
    "CostInBillingCurrency",
    "CostInUsd",
    "Currency",
    "Date",
    "EffectivePrice",
    "EnrollmentNumber",
    "ExchangeRatePricingToBilling",
    "Frequency",
    "InstanceId",
    "InstanceName",
    "Location",
    "MeterCategory",
    "MeterId",
    "MeterName",
    "MeterRegion",
    "MeterSubCategory",
    "PayGPrice",
    "PaygCostInBillingCurrency",
    "PreTaxCost",
    "PricingCurrency",
    "PricingModel",
    "Product",
    "ProductId",
    "ProductName",
    "PublisherName",
    "PublisherType",
    "Quantity",
    "ReservationId",
    "ReservationName",
    "ResourceGroup",
    "ResourceId",
    "ResourceLocation",
    "ResourceName",
    "ResourceRate",
    "ResourceType",
    "ServiceFamily",
    "ServiceName",
    "SubscriptionGuid",
    "SubscriptionId",
    "SubscriptionName",
    "Tags",
    "UnitOfMeasure",
    "UnitPrice",
    "UsageDateTime",
    "UsageQuantity",
]
_CANONICAL = {name.lower(): name for name in AZURE_COLUMNS}

#: Where each value may be found, first choice first (EA/MCA, then the old usage schema).
COST = ("CostInBillingCurrency", "Cost", "PreTaxCost")
DATE = ("Date", "UsageDateTime")
PERIOD_START = "BillingPeriodStartDate"
_DATE_RANGE_FOLDER = re.compile(r"^(.*/)?\d{8}-\d{8}/")


def canonical_names(columns: list[str]) -> dict[str, str]:
    """Header -> one PascalCase spelling, case-insensitively (BOM and quotes stripped). Unknown
    names keep their letters with the first one upper-cased; a name that would repeat an earlier
    column keeps its own spelling, so no column is lost."""
    renamed: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        clean = col.lstrip("\ufeff").strip().strip('"')
        name = _CANONICAL.get(clean.lower(), clean[:1].upper() + clean[1:])
        if name in taken:
            name = clean if clean not in taken else col
        taken.add(name)
        renamed[col] = name
    return renamed


def export_kind(uri: str, root: str = "") -> str:
    """``amortized`` when the file or a folder between the source's root and it says so, else
    ``actual``: Cost Management names each export and its folder, and the two datasets share
    one schema. Folders above the root (where the user keeps the source) do not count."""
    below = uri[len(root) :] if root and uri.startswith(root.rstrip("/")) else uri
    return "amortized" if "amortized" in below.lower() else "actual"


def azure_date(expr: pl.Expr) -> pl.Expr:
    """An export date -> Date: ``9/2/2023``, ``09/02/2023`` (US order, as every Azure export
    writes it) or ISO ``2023-09-02`` with an optional time; anything else gives null."""
    text = expr.cast(pl.Utf8).str.strip_chars()
    us = text.str.extract(r"^(\d{1,2}/\d{1,2}/\d{4})(?:\s.*)?$", 1)
    iso = text.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$", 1)
    return pl.coalesce(
        us.str.to_date("%m/%d/%Y", strict=False), iso.str.to_date("%Y-%m-%d", strict=False)
    )


def first_present(names: list[str], candidates: tuple[str, ...]) -> pl.Expr:
    """Per row, the first non-empty text among ``candidates`` (columns absent here are skipped):
    files with different schemas share one frame, so a column may exist but be empty."""
    present = [
        pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None)
        for c in candidates
        if c in names
    ]
    return pl.coalesce(present) if present else pl.lit(None, dtype=pl.Utf8)


def period_expr(names: list[str]) -> pl.Expr:
    """A row's billing period: its BillingPeriodStartDate, else the month of its usage date (MCA
    leaves the period empty on some rows, the old schema has none)."""
    start = azure_date(first_present(names, (PERIOD_START,)))
    usage = azure_date(first_present(names, DATE))
    return pl.coalesce(start, usage).dt.strftime("%Y-%m").alias("_period")


class AzureCostExport:
    """One Cost Management export location (folder, glob or s3:// prefix), read period by period.

    A period's files are its actual and amortized exports; where an export was delivered several
    times (a new run folder per run under ``YYYYMMDD-YYYYMMDD/``), only the newest run counts.
    """

    def __init__(self, root: str, fs: FileSystem):
        self.root = root
        self.fs = fs

    def files(self) -> list[FileRef]:
        return self.fs.list(self.root, SUFFIXES)

    def discover(self) -> Discovery:
        placed = place_files(self.files(), self.fs.local_path, self._periods_in)
        return Discovery(
            {p: _newest_runs(refs, self.root) for p, refs in placed.periods.items()},
            placed.unplaced,
            placed.failed,
        )

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        """Raw rows of ``period`` as text, with _file, _row (1-based) and _kind columns."""
        frames = []
        for ref in files:
            frame = self._read(ref)
            _require(frame, ref.uri)
            frames.append(frame.filter(period_expr(frame.columns) == period))
        return pl.concat(frames, how="diagonal_relaxed").lazy()

    def _periods_in(
        self, ref: FileRef, path: Path | None = None
    ) -> tuple[set[str], list[InputProblem]]:
        columns = (PERIOD_START, *DATE, *COST)
        frame = self._read(ref, columns, path)
        _require(frame, ref.uri)
        dated = frame.with_columns(period_expr(frame.columns))
        bad = dated.filter(pl.col("_period").is_null()).head(5)
        column = PERIOD_START if PERIOD_START in frame.columns else _date_column(frame.columns)
        problems = [
            InputProblem(
                file=ref.uri,
                row=row,
                column=column,
                message=f"not a date: {value!r}, so the row's billing period is unknown",
            )
            for row, value in bad.select("_row", pl.col(column).cast(pl.Utf8)).iter_rows()
        ]
        return set(dated.get_column("_period").drop_nulls().unique().to_list()), problems

    def _read(
        self, ref: FileRef, columns: tuple[str, ...] | None = None, path: Path | None = None
    ) -> pl.DataFrame:
        """One file as text with the header in canonical spelling; ``columns`` reads only those;
        ``path`` reads that local copy in place of the file (the readable part of a cut-off
        one)."""
        if path is None:
            path = self.fs.local_path(ref)
            cut = cut_short(path, ref.uri)
            if cut is not None:
                raise InputProblemError(cut)
        try:
            frame = _scan(path, ref.uri.lower())
            frame = frame.rename(canonical_names(frame.collect_schema().names()))
            frame = null_markers(frame, COST)
            if columns is not None:
                names = frame.collect_schema().names()
                frame = frame.select([c for c in columns if c in names])
            return frame.with_columns(
                pl.lit(ref.uri).alias("_file"),
                pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
                pl.lit(export_kind(ref.uri, self.root)).alias("_kind"),
            ).collect()
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputProblemError(
                InputProblem(
                    file=ref.uri, message=f"cannot be read as an Azure cost export: {message}"
                ),
            ) from exc


def _scan(path: Path, name: str) -> pl.LazyFrame:
    """CSV (plain, gzip or zstd, told by polars from the first bytes) as text; parquet with its
    numbers and dates turned to text too, so every schema reaches the normalizer the same way."""
    if name.endswith(".parquet"):
        frame = pl.scan_parquet(path)
        schema = frame.collect_schema()
        return frame.with_columns(
            pl.col(c).cast(pl.Utf8)
            for c, dtype in schema.items()
            if dtype.is_numeric() or dtype.is_temporal()
        )
    return pl.scan_csv(path, infer_schema=False, raise_if_empty=True)


def _date_column(columns: list[str]) -> str:
    return next((c for c in DATE if c in columns), DATE[0])


def _require(frame: pl.DataFrame, uri: str) -> None:
    """A file needs a usage date and a cost, in any of the schemas' spellings."""
    for options, what in ((DATE, "usage date"), (COST, "cost")):
        if not any(c in frame.columns for c in options):
            raise InputProblemError(
                InputProblem(
                    file=uri,
                    column=options[0],
                    message=f"no {what} column (looked for {', '.join(options)})",
                )
            )


def _newest_runs(refs: list[FileRef], root: str) -> list[FileRef]:
    """Per export (kind and the folder above ``YYYYMMDD-YYYYMMDD/``), the newest run's files:
    each run of a month-to-date export restates the whole month, so older runs beside it would
    count the month twice."""
    groups: dict[tuple[str, str], list[FileRef]] = defaultdict(list)
    for ref in refs:
        match = _DATE_RANGE_FOLDER.match(ref.uri)
        groups[(export_kind(ref.uri, root), match.group(0) if match else "")].append(ref)
    kept = [ref for group in groups.values() for ref in newest_delivery(group)]
    return sorted(kept, key=lambda r: r.uri)
