"""A restatement delivered in place (same file names, restated bill) is reloaded, and the nightly
``aispend run`` that meets it exits 0 with every check green.

AWS rewrites a legacy CUR's period folder in "overwrite" versioning: the same ``report-1.csv.gz``
with the restated bill and a new ``report-Manifest.json`` with a new assemblyId. The run loads
period by period and runs the source's checks after each; before the fix, the bill-vs-export
check run after the first period compared the second period (loaded yesterday) with the files
rewritten today and failed the run.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from decimal import Decimal
from pathlib import Path

from aispend.billing_load import discover
from aispend.config import load_config
from aispend.storage import open_warehouse
from tests.conftest import month_rows, write_config, write_focus
from tests.cur_exports import LINE_ITEMS, legacy_csv_gz

PERIODS = ("2026-09", "2026-10")

# LINE_ITEMS' lineItem/UnblendedCost, the CUR's billed cost, summed by hand:
# 196.64 + 29.49 + 10.06 - 10.06 + 100.00 + 0 + 50.00 + 1000.00 + 8.00 - 20.00 + 21.50 = 1385.63
ORIGINAL = Decimal("1385.63")


def _restated(first: str, tax: str) -> list[tuple]:  # type: ignore[type-arg]
    """LINE_ITEMS with the p5 usage line's cost (and net) and the tax line restated."""
    items = [list(item) for item in LINE_ITEMS]
    items[0][5] = items[0][6] = first
    items[8][5] = items[8][6] = tax
    return [tuple(item) for item in items]


def _folder(root: Path, period: str) -> Path:
    year, month = map(int, period.split("-"))
    end = f"{year + month // 12}{month % 12 + 1:02d}01"
    return root / "cur" / "report" / f"{year}{month:02d}01-{end}"


def _deliver(root: Path, period: str, body: bytes, assembly: str) -> Path:
    """Legacy CUR in overwrite mode: data and manifest straight in the period folder."""
    folder = _folder(root, period)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "report-1.csv.gz"
    data.write_bytes(body)
    key = str(data.relative_to(root))
    year, month = map(int, period.split("-"))
    manifest = {
        "assemblyId": assembly,
        "reportKeys": [key],
        "bucket": "bills",
        "billingPeriod": {"start": f"{year}{month:02d}01T000000.000Z"},
        "compression": "GZIP",
        "contentType": "text/csv",
    }
    (folder / "report-Manifest.json").write_text(json.dumps(manifest))
    return data


def _same_size_restatement(period: str, size: int) -> tuple[bytes, Decimal]:
    """A restated data file of exactly ``size`` bytes: the p5 line's cost moves by whole dollars
    (same number of digits) until the gzip stream is as long as the original's."""
    for dollars in range(100, 1000):
        first = f"{dollars}.64"
        body = _recompressed(legacy_csv_gz(period, _restated(first, "8.00")))
        if len(body) == size and first != "196.64":
            return body, ORIGINAL - Decimal("196.64") + Decimal(first)
    raise AssertionError("no restatement of the same size found")


def _recompressed(body: bytes) -> bytes:
    """The same CSV gzipped with a fixed header time, so its size depends on content only."""
    return gzip.compress(gzip.decompress(body), mtime=0)


def _totals(cli) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    out = cli(
        "sql",
        "--format",
        "csv",
        "select x_billing_period, sum(billed_cost) from marts.cost_lines group by 1 order by 1",
    )
    assert out.exit_code == 0, out.output
    return {p: Decimal(v) for p, v in list(csv.reader(io.StringIO(out.output)))[1:]}


def _run_green(cli) -> str:  # type: ignore[no-untyped-def]
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "CHECK FAILED" not in result.output, result.output
    assert "FAILED" not in result.output, result.output
    return str(result.output)


def test_cur_restated_in_place_with_a_new_manifest_reloads_and_exits_0(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for period in PERIODS:
        _deliver(tmp_path, period, _recompressed(legacy_csv_gz(period)), "assembly-1")
    write_config(tmp_path, [{"name": "cur", "kind": "aws_cur", "path": "cur"}])
    _run_green(cli)
    assert _totals(cli) == {p: ORIGINAL for p in PERIODS}

    # Both periods restated: the p5 line 196.64 -> 206.64 (+10.00), tax 8.00 -> 9.00 (+1.00),
    # so 1385.63 + 10.00 + 1.00 = 1396.63; 2026-10 also 196.64 -> 296.64 (+100.00) and tax
    # 8.00 -> 9.00: 1385.63 + 100.00 + 1.00 = 1486.63.
    _deliver(
        tmp_path,
        "2026-09",
        _recompressed(legacy_csv_gz("2026-09", _restated("206.64", "9.00"))),
        "assembly-2",
    )
    _deliver(
        tmp_path,
        "2026-10",
        _recompressed(legacy_csv_gz("2026-10", _restated("296.64", "9.00"))),
        "assembly-2",
    )
    output = _run_green(cli)
    assert "cur 2026-09: loaded 11 rows" in output and "cur 2026-10: loaded 11 rows" in output
    assert _totals(cli) == {"2026-09": Decimal("1396.63"), "2026-10": Decimal("1486.63")}


def test_cur_data_rewritten_with_same_size_and_mtime_is_seen_and_reloaded(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = {
        p: _deliver(tmp_path, p, _recompressed(legacy_csv_gz(p)), "assembly-1") for p in PERIODS
    }
    config_path = write_config(tmp_path, [{"name": "cur", "kind": "aws_cur", "path": "cur"}])
    _run_green(cli)
    config = load_config(config_path)
    source = config.sources[0]
    assert open_warehouse(config).changed_periods(discover(config, source), "cur") == {}

    expected = {}
    for period, path in paths.items():
        stat = path.stat()
        body, expected[period] = _same_size_restatement(period, stat.st_size)
        path.write_bytes(body)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert path.stat().st_size == stat.st_size
        assert path.stat().st_mtime_ns == stat.st_mtime_ns
    # Only the content differs: change detection must still see both periods.
    assert set(open_warehouse(config).changed_periods(discover(config, source), "cur")) == set(
        PERIODS
    )

    _run_green(cli)
    assert _totals(cli) == expected
    assert open_warehouse(config).changed_periods(discover(config, source), "cur") == {}


def test_focus_files_rewritten_in_place_reload_and_exit_0(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bills = tmp_path / "bills"
    write_focus(bills / "oct.csv", month_rows("2026-10", ["10.10", "0.05"]))
    write_focus(bills / "nov.csv", month_rows("2026-11", ["3.00"]))
    write_config(tmp_path, [{"name": "focus_main", "kind": "focus", "path": "bills"}])
    _run_green(cli)

    write_focus(bills / "oct.csv", month_rows("2026-10", ["10.10", "0.05", "2.25"]))
    write_focus(bills / "nov.csv", month_rows("2026-11", ["3.50", "1.25"]))
    _run_green(cli)
    # 10.10 + 0.05 + 2.25 = 12.40; 3.50 + 1.25 = 4.75
    assert _totals(cli) == {"2026-10": Decimal("12.40"), "2026-11": Decimal("4.75")}
