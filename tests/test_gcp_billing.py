"""GCP billing export: every file shape gives the same hand-worked totals (tests/gcp_exports.py)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from connectors.registry import billing_reader
from tests.conftest import write_config
from tests.gcp_exports import (
    H100_SPOT_SKU,
    export_rows,
    flattened_csv,
    jsonl_gz,
    parquet,
)

DATA = Path(__file__).parent / "data" / "gcp"


def lines_of(root: Path, period: str, **kwargs: object) -> pl.DataFrame:
    reader = billing_reader("gcp_billing", str(root), **kwargs)  # type: ignore[arg-type]
    found = reader.discover()
    assert not found.unplaced, found.unplaced
    raw = reader.read(period, found.periods[period]).collect()
    lines = reader.normalize(raw.lazy(), source="gcp", period=period).collect()
    assert reader.problems(raw, lines) == []
    return lines


def write_shape(root: Path, shape: str) -> None:
    rows = export_rows()
    root.mkdir(parents=True)
    if shape == "jsonl":  # BigQuery's wildcard export: shards of gzip JSON lines
        (root / "billing-000000000000.json.gz").write_bytes(jsonl_gz(rows[:3]))
        (root / "billing-000000000001.json.gz").write_bytes(jsonl_gz(rows[3:]))
    elif shape == "parquet":
        (root / "billing.parquet").write_bytes(parquet(rows))
    else:
        (root / "billing.csv").write_text(flattened_csv(rows))


@pytest.mark.parametrize("shape", ["jsonl", "parquet", "csv"])
def test_every_shape_gives_the_hand_worked_totals(tmp_path: Path, shape: str) -> None:
    write_shape(tmp_path / "export", shape)
    lines = lines_of(tmp_path / "export", "2026-10")
    assert lines.height == 8  # every row counts, the late September usage included
    assert lines["contracted_cost"].sum() == D("62.16")
    assert lines["billed_cost"].sum() == lines["effective_cost"].sum() == D("43.81")
    assert lines["x_gpu_hours"].sum() == 16
    credits = {c: lines[c].sum() for c in lines.columns if c.startswith("x_credits_")}
    assert credits == {
        "x_credits_committed_usage_discount": D("-16"),
        "x_credits_committed_usage_discount_dollar_base": 0,
        "x_credits_sustained_usage_discount": D("-0.6"),
        "x_credits_discount": D("-0.25"),
        "x_credits_promotion": D("-0.75"),
        "x_credits_free_tier": D("-0.25"),
        "x_credits_fee_utilization_offset": 0,
        "x_credits_subscription_benefit": 0,
        "x_credits_reseller_margin": D("-0.5"),
        "x_credits_other": 0,
    }
    a100 = lines.filter(pl.col("x_gpu_model") == "A100 80GB").row(0, named=True)
    assert (
        a100["billed_cost"],
        a100["list_cost"],
        a100["pricing_category"],
        a100["commitment_discount_status"],
        a100["resource_name"],
    ) == (D("13.36"), D("32"), "Committed", "Used", "trainer-1")
    assert {t["key"]: t["value"] for t in a100["x_tags_normalized"]} == {
        "training_run": "llm-x",
        "team": "research",
        "compute_googleapis_com_machine_spec": "a2-ultragpu-8g",
    }
    spot = lines.filter(pl.col("sku_id") == H100_SPOT_SKU).row(0, named=True)
    assert spot["pricing_category"] == "Dynamic" and spot["list_cost"] is None  # no catalog
    categories = dict(lines.group_by("charge_category").agg(pl.len()).iter_rows())
    assert categories == {"Usage": 6, "Tax": 1, "Adjustment": 1}
    late = lines.filter(pl.col("charge_period_start") < pl.datetime(2026, 10, 1))
    assert late.height == 1 and late["billed_cost"].item() == D("0.1")
    september = lines_of(tmp_path / "export", "2026-09")
    assert september["billed_cost"].sum() == D("0.4")


def test_spot_gets_its_on_demand_equivalent_in_the_bills_currency(tmp_path: Path) -> None:
    # On-demand H100 80GB at $9.80 a GPU-hour: 8 GPU-hours = $78.40 list against $22.40 paid.
    (tmp_path / "usd").mkdir()
    (tmp_path / "usd" / "b.json.gz").write_bytes(jsonl_gz(export_rows()))
    spot = lines_of(tmp_path / "usd", "2026-10", on_demand={H100_SPOT_SKU: D("9.80")}).filter(
        pl.col("sku_id") == H100_SPOT_SKU
    )
    assert (spot["list_cost"].item(), spot["effective_cost"].item()) == (D("78.4"), D("22.4"))
    # A bill in NOK at the export's rate 10.5 NOK per USD: 78.40 x 10.5 = 823.20 NOK.
    (tmp_path / "nok").mkdir()
    (tmp_path / "nok" / "b.json.gz").write_bytes(jsonl_gz(export_rows("NOK", 10.5)))
    spot = lines_of(tmp_path / "nok", "2026-10", on_demand={H100_SPOT_SKU: D("9.80")}).filter(
        pl.col("sku_id") == H100_SPOT_SKU
    )
    assert (spot["list_cost"].item(), spot["billing_currency"].item()) == (D("823.2"), "NOK")


def test_real_koku_samples_net_of_credits(tmp_path: Path) -> None:
    # Net = cost + credits, summed by hand from the CSV text with Decimal.
    expected: dict[str, D] = {}
    for path in DATA.glob("*.csv"):
        for row in csv.DictReader(path.open()):
            credits = row["credits"].replace("'", '"').replace("None", "null")
            net = D(row["cost"]) + sum((D(str(c["amount"])) for c in json.loads(credits)), D(0))
            period = f"{row['invoice.month'][:4]}-{row['invoice.month'][4:]}"
            expected[period] = expected.get(period, D(0)) + net
    assert expected == {"2020-11": 0, "2022-08": D("0.000012")}
    for period, total in expected.items():
        lines = lines_of(DATA, period)
        assert lines["billed_cost"].sum() == total
    detailed = lines_of(DATA, "2022-08")
    assert set(detailed["resource_name"]) == {"instance-1"}
    assert set(detailed["service_category"]) == {"Compute"}


def test_a_malformed_credits_field_names_file_row_and_column(tmp_path: Path) -> None:
    rows = list(csv.reader(flattened_csv(export_rows()).splitlines()))
    rows[2][rows[0].index("credits")] = "[{'amount': -0.60, 'type': "  # cut off
    (tmp_path / "bad").mkdir()
    with (tmp_path / "bad" / "b.csv").open("w", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    reader = billing_reader("gcp_billing", str(tmp_path / "bad"))
    found = reader.discover()
    assert len(found.unplaced) == 1
    problem = found.unplaced[0]
    assert (Path(problem.file).name, problem.row, problem.column) == ("b.csv", 2, "credits")
    assert "a list of records expected" in problem.message


def test_aispend_run_loads_a_gcp_export_and_reconciles(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_shape(tmp_path / "export", "jsonl")
    write_config(tmp_path, [{"name": "gcp", "kind": "gcp_billing", "path": "export"}])
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "gcp 2026-10: loaded 8 rows" in result.output
    assert "billed USD 43.81" in result.output
    assert ", 0 failed." in result.output  # reconcile and export_totals checks included
    # The run known only from its label pays its lines net of credits: GPU 29.36 - 16.00 CUD
    # and cores 3.00 - 0.60 SUD = 15.76 for 8 GPU-hours (the GPU SKU's hours).
    runs = cli(
        "sql", "--format", "json", "select run_id, basis, gpu_hours, cost from marts.run_cost"
    )
    assert json.loads(runs.output) == [
        {"run_id": "tag:llm-x", "basis": "billing_tags", "gpu_hours": 8.0, "cost": 15.76}
    ]


def test_a_cost_that_is_not_a_number_fails_its_month_only(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = export_rows()
    rows[1]["cost"] = "3,00"  # a decimal comma
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "b.json.gz").write_bytes(jsonl_gz(rows))
    write_config(tmp_path, [{"name": "gcp", "kind": "gcp_billing", "path": "export"}])
    result = cli("run")
    assert result.exit_code == 1
    assert "b.json.gz, row 2, column 'cost': a number expected, found '3,00'" in result.output
    assert "gcp 2026-09: loaded 1 rows" in result.output  # the other month still loads


class FakeBigQuery:
    """Stands in for google.cloud.bigquery.Client: answers with the library's own Row objects,
    shaped as the documented export schema (RECORD fields as dicts, REPEATED as lists,
    TIMESTAMP as aware datetimes), and records each query and its parameters."""

    def __init__(self, rows: list[dict[str, object]]):
        self.rows = rows
        self.queries: list[tuple[str, dict[str, object]]] = []

    def query(self, query: str, job_config: object = None) -> FakeBigQuery._Job:
        from google.cloud.bigquery.table import Row

        params = {p.name: p.value for p in getattr(job_config, "query_parameters", [])}
        self.queries.append((query, params))
        if "GROUP BY month" in query:
            months: dict[str, int] = {}
            for r in self.rows:
                month = r["invoice"]["month"]  # type: ignore[index]
                months[month] = months.get(month, 0) + 1
            out = [
                Row(
                    (m, n, "2026-10-15 04:12:33.123000+00"),
                    {"month": 0, "row_count": 1, "newest": 2},
                )
                for m, n in months.items()
            ]
        else:
            wanted = [r for r in self.rows if r["invoice"]["month"] == params["month"]]  # type: ignore[index]
            names = list(wanted[0])
            out = [
                Row(tuple(r[n] for n in names), {n: i for i, n in enumerate(names)}) for r in wanted
            ]
        return self._Job(out)

    class _Job:
        def __init__(self, rows: list[object]):
            self.rows = rows

        def result(self) -> list[object]:
            return self.rows


def test_bigquery_source_pushes_the_month_down_and_gives_the_same_totals() -> None:
    from datetime import UTC, datetime

    def typed(row: dict[str, object]) -> dict[str, object]:
        out = dict(row)
        for key in ("usage_start_time", "usage_end_time", "export_time"):
            text = str(row[key]).removesuffix(" UTC")
            out[key] = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return out

    client = FakeBigQuery([typed(r) for r in export_rows()])
    reader = billing_reader(
        "gcp_billing", "bq://acme-billing.exports.gcp_billing_export_v1_01A2B3", bigquery=client
    )
    found = reader.discover()
    assert sorted(found.periods) == ["2026-09", "2026-10"]
    assert found.periods["2026-10"][0].size == 8  # rows the month holds, its delivery stamp
    raw = reader.read("2026-10", found.periods["2026-10"]).collect()
    lines = reader.normalize(raw.lazy(), source="gcp", period="2026-10").collect()
    assert lines["billed_cost"].sum() == D("43.81") and lines["contracted_cost"].sum() == D("62.16")
    assert lines["charge_period_start"].min() == datetime(2026, 9, 30, 23)  # naive UTC
    query, params = client.queries[-1]
    assert "WHERE invoice.month = @month" in query and params == {"month": "202610"}
