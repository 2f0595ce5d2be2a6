"""AWS Cost and Usage Reports: legacy CUR (CSV or parquet) and CUR 2.0 / Data Exports.

Finds each billing period's files in the export layout (``BILLING_PERIOD=YYYY-MM/``, legacy
``YYYYMMDD-YYYYMMDD/`` or ``year=YYYY/month=M/``); where a period has manifests, only the files
the newest manifest lists belong to it, so older deliveries left beside it (create-new-report
mode) are never mixed in. Column names are brought to the snake_case CUR 2.0 spelling.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.discovery import Discovery
from connectors.errors import InputProblem, InputProblemError
from connectors.files import FileRef, FileSystem
from connectors.parsing import cut_short, null_markers, require_columns, timestamp_expr

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet")
MANIFEST_SUFFIX = "manifest.json"
REQUIRED = ("line_item_unblended_cost", "line_item_usage_start_date", "line_item_line_item_type")
PERIOD_COLUMN = "bill_billing_period_start_date"
#: Rows normalized and inserted at a time: a month of CUR never sits in memory whole.
BATCH_ROWS = 250_000

#: The columns the normalizer reads, in CUR 2.0 / Athena spelling.
KNOWN = [
    "identity_line_item_id",
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "bill_invoice_id",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_resource_id",
    "line_item_usage_amount",
    "line_item_currency_code",
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "line_item_line_item_description",
    "product_product_name",
    "product_instance_type",
    "product_region_code",
    "product_region",
    "product_sku",
    "product_servicecode",
    "pricing_public_on_demand_cost",
    "pricing_term",
    "pricing_unit",
    "pricing_purchase_option",
    "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "savings_plan_savings_plan_a_r_n",
    "product",
    "resource_tags",
    "cost_category",
    "discount",
]
_BY_SQUASHED = {re.sub(r"[^a-z0-9]", "", name): name for name in KNOWN}
TAG_PREFIX = "tag:"

_PERIOD_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})"), lambda m: f"{m[1]}-{m[2]}"),
    (re.compile(r"(?:^|/)(\d{4})(\d{2})01-\d{8}(?:/|$)"), lambda m: f"{m[1]}-{m[2]}"),
    (re.compile(r"year=(\d{4})/month=(\d{1,2})(?:/|$)"), lambda m: f"{m[1]}-{int(m[2]):02d}"),
]


def period_from_path(uri: str) -> str | None:
    for pattern, render in _PERIOD_PATTERNS:
        match = pattern.search(uri)
        if match:
            return render(match)
    return None


def canonical_columns(columns: list[str]) -> dict[str, str]:
    """Legacy ``lineItem/UnblendedCost`` and Athena ``line_item_unblended_cost`` (or ``..._a_r_n``)
    both become the CUR 2.0 name; resource tag columns become ``tag:<key as AWS wrote it>``."""
    renamed = {}
    for col in columns:
        clean = col.lstrip("\ufeff").strip()
        lower = clean.lower()
        if lower.startswith("resourcetags/"):
            renamed[col] = TAG_PREFIX + clean.split("/", 1)[1]
        elif lower.startswith("resource_tags_"):
            renamed[col] = TAG_PREFIX + clean[len("resource_tags_") :]
        else:
            renamed[col] = _BY_SQUASHED.get(re.sub(r"[^a-z0-9]", "", lower), clean)
    return renamed


class CurExport:
    """One CUR or Data Exports location (folder, glob or s3:// prefix), read period by period."""

    def __init__(self, root: str, fs: FileSystem):
        self.root = root
        self.fs = fs

    def discover(self) -> Discovery:
        listed = self.fs.list(self.root, DATA_SUFFIXES + (MANIFEST_SUFFIX,))
        manifests = [r for r in listed if r.uri.lower().endswith(MANIFEST_SUFFIX)]
        data = [r for r in listed if not r.uri.lower().endswith(MANIFEST_SUFFIX)]
        periods: dict[str, list[FileRef]] = defaultdict(list)
        unplaced: list[InputProblem] = []
        by_period_manifest = self._newest_manifests(manifests)
        failed: dict[str, list[InputProblem]] = {}
        for period, manifest in by_period_manifest.items():
            files, problems = self._files_of(manifest, data)
            periods[period] = files
            if problems:
                failed[period] = problems
        by_path_period: dict[str, list[FileRef]] = defaultdict(list)
        for ref in data:
            in_path = period_from_path(ref.uri)
            if in_path in by_period_manifest:
                continue  # the manifest decides which of this period's files count
            if in_path is not None:
                by_path_period[in_path].append(ref)
                continue
            try:
                found = self._periods_in_file(ref)
            except InputProblemError as exc:
                unplaced.append(exc.problem)
                continue
            for value in found:
                periods[value].append(ref)
        for period, refs in by_path_period.items():
            periods[period].extend(newest_delivery(refs))
        return Discovery(
            {p: sorted(f, key=lambda r: r.uri) for p, f in sorted(periods.items())},
            unplaced,
            failed,
        )

    def read(self, period: str, files: list[FileRef]) -> pl.LazyFrame:
        return pl.concat(list(self.batches(period, files)), how="diagonal_relaxed").lazy()

    def batches(
        self, period: str, files: list[FileRef], rows: int = BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        """The period's raw rows, with _file and _row, in batches of about ``rows`` (parquet
        row groups; a CSV file whole)."""
        for ref in files:
            if ref.uri.lower().endswith(".parquet"):
                parts: Iterator[pl.DataFrame] = self._parquet_batches(ref, rows)
            else:
                parts = iter([self._read(ref)])
            for index, frame in enumerate(parts):
                if index == 0:
                    problem = require_columns(frame, REQUIRED, ref.uri, "CUR")
                    if problem is not None:
                        raise InputProblemError(problem)
                if period_from_path(ref.uri) is None:
                    frame = frame.filter(_period_expr(frame) == period)
                yield frame

    def _parquet_batches(self, ref: FileRef, rows: int) -> Iterator[pl.DataFrame]:
        path = self.fs.local_path(ref)
        try:
            source = pq.ParquetFile(path)
            offset = 0
            arrow = (
                source.iter_batches(batch_size=rows)
                if source.metadata.num_rows
                else iter([source.schema_arrow.empty_table()])
            )
            for batch in arrow:
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                yield frame.rename(canonical_columns(frame.columns)).with_columns(
                    pl.lit(ref.uri).alias("_file"),
                    pl.int_range(offset + 1, offset + frame.height + 1, dtype=pl.Int64).alias(
                        "_row"
                    ),
                )
                offset += frame.height
        except (pa.ArrowException, OSError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputProblemError(
                InputProblem(file=ref.uri, message=f"cannot be read as a CUR file: {message}")
            ) from exc

    def _read(self, ref: FileRef, columns: tuple[str, ...] | None = None) -> pl.DataFrame:
        path = self.fs.local_path(ref)
        cut = cut_short(path, ref.uri)
        if cut is not None:
            raise InputProblemError(cut)
        try:
            if ref.uri.lower().endswith(".parquet"):
                frame = pl.read_parquet(path)
            else:
                frame = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputProblemError(
                InputProblem(file=ref.uri, message=f"cannot be read as a CUR file: {message}")
            ) from exc
        frame = null_markers(frame.rename(canonical_columns(frame.columns)), (REQUIRED[0],))
        if columns is not None:
            frame = frame.select([c for c in columns if c in frame.columns])
        return frame.with_columns(
            pl.lit(ref.uri).alias("_file"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
        )

    def _periods_in_file(self, ref: FileRef) -> set[str]:
        frame = self._read(ref, columns=(PERIOD_COLUMN,))
        if PERIOD_COLUMN not in frame.columns:
            raise InputProblemError(
                InputProblem(
                    file=ref.uri,
                    column=PERIOD_COLUMN,
                    message="no billing period in the path and no bill_billing_period_start_date "
                    "column, so the file's billing period is unknown",
                )
            )
        values = frame.select(_period_expr(frame).alias("p"), "_row", PERIOD_COLUMN)
        bad = values.filter(pl.col("p").is_null())
        if bad.height:
            row, value = bad.select("_row", PERIOD_COLUMN).row(0)
            raise InputProblemError(
                InputProblem(
                    file=ref.uri,
                    row=row,
                    column=PERIOD_COLUMN,
                    message=f"not a timestamp: {value!r}, so the row's billing period is unknown",
                )
            )
        return set(values.get_column("p").to_list())

    def _newest_manifests(self, manifests: list[FileRef]) -> dict[str, FileRef]:
        """Per period, the manifest that describes its newest delivery.

        The period-level manifest (legacy CUR) or the one in the shallowest folder wins; among
        equals, the most recently written.
        """
        best: dict[str, tuple[tuple[int, float], FileRef]] = {}
        for ref in manifests:
            period = period_from_path(ref.uri)
            if period is None:
                continue
            rank = (-len(PurePosixPath(ref.uri).parts), ref.modified)
            if period not in best or rank > best[period][0]:
                best[period] = (rank, ref)
        return {period: ref for period, (_, ref) in best.items()}

    def _files_of(
        self, manifest: FileRef, data: list[FileRef]
    ) -> tuple[list[FileRef], list[InputProblem]]:
        try:
            content = json.loads(self.fs.local_path(manifest).read_text(encoding="utf-8"))
            keys = content.get("reportKeys") or content.get("dataFiles") or []
        except (OSError, ValueError, AttributeError) as exc:
            return [], [InputProblem(file=manifest.uri, message=f"manifest is not valid: {exc}")]
        files, problems = [], []
        for key in keys:
            match = _match_key(str(key), data)
            if match is None:
                problems.append(
                    InputProblem(
                        file=manifest.uri,
                        message=f"manifest lists {key}, which is not in the export",
                    )
                )
            else:
                files.append(match)
        return files, problems


def newest_delivery(refs: list[FileRef]) -> list[FileRef]:
    """Without a manifest, a period whose files sit in several delivery folders (legacy
    ``<assemblyId>/``, CUR 2.0 ``<timestamp>-<executionId>/``) keeps only the newest folder;
    mixing deliveries would count the period twice."""
    groups: dict[str, list[FileRef]] = defaultdict(list)
    for ref in refs:
        groups[_delivery_folder(ref.uri)].append(ref)
    if len(groups) == 1:
        return refs
    return max(groups.values(), key=lambda files: max(f.modified for f in files))


def _delivery_folder(uri: str) -> str:
    """The folder right below the period folder, or "" for files directly in it."""
    parts = PurePosixPath(uri).parts
    for index, part in enumerate(parts):
        if period_from_path(part + "/") or part.startswith("month="):
            rest = parts[index + 1 : -1]
            return rest[0] if rest else ""
    return ""


def _match_key(key: str, data: list[FileRef]) -> FileRef | None:
    """The delivered file a manifest entry names; entries are bucket keys or s3:// URIs."""
    parts = PurePosixPath(key.split("://", 1)[-1]).parts
    for keep in range(len(parts), 1, -1):
        suffix = "/" + "/".join(parts[-keep:])
        hits = [ref for ref in data if ref.uri.endswith(suffix)]
        if len(hits) == 1:
            return hits[0]
    return None


def _period_expr(frame: pl.DataFrame) -> pl.Expr:
    start = timestamp_expr(PERIOD_COLUMN, frame.schema[PERIOD_COLUMN])
    return start.dt.strftime("%Y-%m")
