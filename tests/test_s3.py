"""FOCUS files read from S3 through boto3, against moto's S3 server over HTTP on 127.0.0.1."""

from decimal import Decimal
from pathlib import Path

import boto3

from aispend.billing_load import discover, load_billing_partition
from aispend.config import load_config
from connectors.files import S3FileSystem
from tests.conftest import month_rows, write_config, write_focus


def test_focus_export_in_s3_loads_like_a_local_one(s3_endpoint: str, tmp_path: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="bills")
    local = tmp_path / "staging"
    write_focus(local / "oct.csv", month_rows("2026-10", ["10.10", "0.05"]))
    write_focus(local / "nov.csv", month_rows("2026-11", ["3.00"]))
    s3.upload_file(str(local / "oct.csv"), "bills", "focus/BILLING_PERIOD=2026-10/oct.csv")
    s3.upload_file(str(local / "nov.csv"), "bills", "focus/BILLING_PERIOD=2026-11/nov.csv")
    s3.put_object(Bucket="bills", Key="focus/README.txt", Body=b"not a bill")
    config = load_config(
        write_config(
            tmp_path,
            [
                {
                    "name": "s3_focus",
                    "kind": "focus",
                    "path": "s3://bills/focus/",
                    "endpoint_url": s3_endpoint,
                }
            ],
        )
    )
    source = config.sources[0]

    discovery = discover(config, source)
    assert {p: [f.uri for f in files] for p, files in discovery.periods.items()} == {
        "2026-10": ["s3://bills/focus/BILLING_PERIOD=2026-10/oct.csv"],
        "2026-11": ["s3://bills/focus/BILLING_PERIOD=2026-11/nov.csv"],
    }
    result = load_billing_partition(config, source, "2026-10")
    assert (result.rows, result.billed_by_currency) == (2, {"USD": Decimal("10.15")})

    # A re-delivery (new ETag) is fetched again, not served from the download cache.
    write_focus(local / "oct.csv", month_rows("2026-10", ["7.00"]))
    s3.upload_file(str(local / "oct.csv"), "bills", "focus/BILLING_PERIOD=2026-10/oct.csv")
    again = load_billing_partition(config, source, "2026-10")
    assert (again.rows, again.billed_by_currency) == (1, {"USD": Decimal("7.00")})


def test_s3_globs_filter_keys(s3_endpoint: str, tmp_path: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="globs")
    for key in ("x/2026-10/a.csv", "x/2026-10/b.parquet", "x/2026-11/c.csv", "y/d.csv"):
        s3.put_object(Bucket="globs", Key=key, Body=b"h\n1\n")
    fs = S3FileSystem(client=s3, cache_dir=tmp_path)
    listed = [r.uri for r in fs.list("s3://globs/x/*/*.csv", (".csv", ".parquet"))]
    assert listed == ["s3://globs/x/2026-10/a.csv", "s3://globs/x/2026-11/c.csv"]
    assert fs.local_path(fs.list("s3://globs/y/", (".csv",))[0]).read_bytes() == b"h\n1\n"
