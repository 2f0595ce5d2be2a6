"""Regenerate the koku-nise billing exports under tests/data/conformance/{aws_cur,azure_cost,
gcp_billing}/nise/ from the static YAML files beside them.

    .venv/bin/python tests/data/conformance/make_nise.py

nise (koku-nise 5.4.4, Red Hat's generator of AWS CUR, Azure cost export and GCP billing export
files for Koku's tests) runs in this process with its random generators seeded, so reruns give
the same rows (AWS assembly ids come from uuid4 and differ). What nise cannot write is added here
and said so in SOURCES.md:

- AWS spot: nise's EC2 generator writes only ``BoxUsage:<type>`` lines, so the 2026-09 lines are
  rewritten as AWS writes spot usage: ``USE1-SpotUsage:p4d.24xlarge`` (region prefix) and
  ``SpotUsage:g5.12xlarge`` (none), ``product/instanceType`` blank, ``pricing/term`` blank.
- CUR 2.0: nise writes legacy CUR only; the same rows are written again in the CUR 2.0 (Data
  Exports) layout, snake_case names and a ``product`` map, as parquet (``cur2_parquet/``)
  and as CSV.gz (``cur2_csv/``).
- gzip: each Azure and GCP CSV is also written gzip-compressed under ``nise_gz/``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from faker import Faker

HERE = Path(__file__).resolve().parent
SPOT = {
    "BoxUsage:p4d.24xlarge": "USE1-SpotUsage:p4d.24xlarge",
    "BoxUsage:g5.12xlarge": "SpotUsage:g5.12xlarge",
}


def nise(*args: str) -> None:
    """``nise report ...`` in this process, seeded."""
    from nise.__main__ import main

    random.seed(20261001)
    Faker.seed(20261001)
    saved = sys.argv
    sys.argv = ["nise", "report", *args]
    try:
        main()
    finally:
        sys.argv = saved


def aws() -> None:
    out = HERE / "aws_cur" / "nise"
    shutil.rmtree(out / "cur", ignore_errors=True)
    for kind in ("cur2_parquet", "cur2_csv"):
        shutil.rmtree(out / kind, ignore_errors=True)
    (out / "cur").mkdir(parents=True)
    for month in ("2026-09", "2026-10"):
        nise(
            "aws",
            "--static-report-file",
            str(out / f"aws_{month}.yml"),
            "--aws-s3-bucket-name",
            str(out),
            "--aws-s3-report-name",
            "cur",
        )
    for path in sorted((out / "cur").rglob("*.csv.gz")):
        header, rows = _read_gz(path)
        for row in rows:
            spot = (
                SPOT.get(row["lineItem/UsageType"])
                if "2026-09" in row["lineItem/UsageStartDate"]
                else None
            )
            if spot:
                row["lineItem/UsageType"] = row["product/usagetype"] = spot
                row["product/instanceType"] = row["pricing/term"] = ""
        path.write_bytes(_gz(_csv(header, rows)))
        _cur2(out, header, rows)


def _cur2(out: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """The rows in CUR 2.0 form: snake_case columns, the product attributes in a map."""
    period = rows[0]["bill/BillingPeriodStartDate"][:7]
    folders = [
        out / kind / "data" / f"BILLING_PERIOD={period}" for kind in ("cur2_parquet", "cur2_csv")
    ]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    kept = [
        c
        for c in header
        if c.split("/")[0]
        in ("bill", "identity", "lineItem", "pricing", "savingsPlan", "reservation")
    ]
    names = {c: _snake(c) for c in kept}
    columns: dict[str, list[str | None]] = {names[c]: [r[c] or None for r in rows] for c in kept}
    product = [
        {_snake(c.split("/", 1)[1]): r[c] for c in header if c.startswith("product/") and r[c]}
        for r in rows
    ]
    table = pa.table(
        {
            **{k: pa.array(v, pa.string()) for k, v in columns.items()},
            "product": pa.array(
                [list(p.items()) for p in product], pa.map_(pa.string(), pa.string())
            ),
        }
    )
    pq.write_table(table, folders[0] / "cur2-00001.snappy.parquet")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*columns, "product"])
    for i in range(len(rows)):
        writer.writerow([*(columns[k][i] or "" for k in columns), json.dumps(product[i])])
    (folders[1] / "cur2-00001.csv.gz").write_bytes(_gz(text.getvalue()))


def _snake(name: str) -> str:
    """``lineItem/UsageType`` -> ``line_item_usage_type``, as CUR 2.0 names it."""
    name = name.replace("/", "_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def azure() -> None:
    out = HERE / "azure_cost" / "nise"
    _fresh(out / "export", out / "nise_gz")
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        nise("azure", "--static-report-file", str(out / "azure.yml"), "-w")
        for index, path in enumerate(sorted(Path(tmp).glob("*.csv"), key=_first_date)):
            name = f"costreport_{index + 1}.csv"
            shutil.copy(path, out / "export" / name)
            (out / "nise_gz" / f"{name}.gz").write_bytes(_gz(path.read_text()))


def gcp() -> None:
    out = HERE / "gcp_billing" / "nise"
    _fresh(out / "export", out / "nise_gz")
    with tempfile.TemporaryDirectory() as tmp, _cwd(Path(tmp)):
        nise("gcp", "--static-report-file", str(out / "gcp.yml"), "-w")
        for index, path in enumerate(sorted(Path(tmp).glob("*.csv"), key=_first_date)):
            name = f"gcp_billing_{index + 1}.csv"  # nise's names hold ':', kept out of paths
            shutil.copy(path, out / "export" / name)
            (out / "nise_gz" / f"{name}.gz").write_bytes(_gz(path.read_text()))


def _first_date(path: Path) -> str:
    with path.open(newline="") as handle:
        row = next(csv.DictReader(handle))
    return row.get("Date") or row.get("usage_start_time") or ""


def _fresh(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)


class _cwd:
    def __init__(self, path: Path):
        self.path, self.saved = path, Path.cwd()

    def __enter__(self) -> None:
        import os

        os.chdir(self.path)

    def __exit__(self, *exc: object) -> None:
        import os

        os.chdir(self.saved)


def _read_gz(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode()))
    return list(reader.fieldnames or []), list(reader)


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def _gz(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


if __name__ == "__main__":
    aws()
    azure()
    gcp()
