"""Ad hoc SQL is read-only by construction, and credentials never reach logs or the warehouse."""

from pathlib import Path

import boto3
import pytest

from tests.conftest import month_rows, write_config, write_focus


@pytest.mark.parametrize(
    "statement",
    [
        "create table marts.x as select 1",
        "delete from marts.cost_lines",
        "copy marts.cost_lines to '{tmp}/leak.csv'",
        "attach '{tmp}/other.duckdb' as other",
        "install httpfs",
        "select * from read_csv('/etc/passwd')",
        "set enable_external_access = true",
    ],
)
def test_sql_is_read_only_in_the_engine(cli, tmp_path: Path, statement: str) -> None:  # type: ignore[no-untyped-def]
    assert cli("demo").exit_code == 0
    result = cli("sql", statement.format(tmp=tmp_path))
    assert result.exit_code == 1
    assert "Error" in result.output
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()
    still = cli("sql", "--format", "csv", "select count(*) as n from marts.cost_lines")
    assert still.output.splitlines() == ["n", "1062"]  # the FOCUS sample and the scenario


def test_credentials_never_appear_in_output_or_in_the_warehouse(
    cli, s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    secret = "SECRETmarker0123456789abcdefSECRET"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMARKER00000000")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="creds")
    local = write_focus(tmp_path / "staging" / "oct.csv", month_rows("2026-10", ["1.00"]))
    s3.upload_file(str(local), "creds", "focus/oct.csv")
    write_config(
        tmp_path,
        [{"name": "s3", "kind": "focus", "path": "s3://creds/focus/", "endpoint_url": s3_endpoint}],
    )
    result = cli("run")
    assert result.exit_code == 0, result.output
    status = cli("status")
    for text in (result.output, status.output):
        assert secret not in text and "AKIAMARKER" not in text
    for db in tmp_path.glob("*.duckdb"):
        data = db.read_bytes()
        assert secret.encode() not in data and b"AKIAMARKER" not in data
