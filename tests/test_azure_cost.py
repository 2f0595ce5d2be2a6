"""Azure cost exports: reading every schema, combining actual and amortized, checked by hand.

Expected values are worked out from the input text, in the comments next to each assert.
"""

from __future__ import annotations

import gzip
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from aispend.errors import InputProblem
from connectors.azure.export import AzureCostExport, azure_date, canonical_names, export_kind
from connectors.azure.normalize import (
    azure_control_totals,
    azure_problems,
    normalize_azure,
)
from connectors.cost_model import COLUMN_NAMES
from connectors.files import LocalFileSystem
from connectors.gpu_sizes import accelerators
from tests.conftest import DATA

AZURE = DATA / "azure"
#: Fractional GPU counts are Decimal(38,10): 1/3 GPU is 0.3333333333, so 6 h give 1.9999999998.
TINY = Decimal("1e-8")


def _load(root: Path, period: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    export = AzureCostExport(str(root), LocalFileSystem())
    discovery = export.discover()
    assert list(discovery.periods) == [period] and discovery.unplaced == []
    raw = export.read(period, discovery.periods[period]).collect()
    lines = normalize_azure(raw.lazy(), source="az", period=period).collect()
    assert lines.columns == COLUMN_NAMES
    return raw, lines


def _sum(lines: pl.DataFrame, column: str) -> Decimal:
    return sum((v for v in lines.get_column(column).to_list() if v is not None), Decimal(0))


def _line(lines: pl.DataFrame, **match: Any) -> dict[str, Any]:
    found = lines.filter(*[pl.col(k) == v for k, v in match.items()])
    assert found.height == 1, match
    return found.row(0, named=True)


# --- EA actual + amortized, both in one folder ------------------------------------------------


def test_ea_actual_and_amortized_in_one_folder_are_combined_not_added() -> None:
    raw, lines = _load(AZURE / "ea", "2023-09")
    assert raw.get_column("_kind").value_counts().sort("_kind").rows() == [
        ("actual", 11),
        ("amortized", 28),
    ]
    assert azure_problems(raw, lines) == []
    # The 10 usage rows of the actual export are the last 10 amortized rows: they meet as 10
    # lines. 18 amortized-only rows and the actual-only purchase make 10 + 18 + 1 = 29 lines.
    assert lines.height == 29
    # Actual export total: 3.25 + 0.00004 + 0.000011139 + 2.64 + 0.000002 + 0.21268368 + 1.9584
    # + 0.4838709677419368 = 8.5450077867419368 (three rows are 0).
    assert azure_control_totals(raw) == [("USD", 29, Decimal("8.5450077867419368"))]
    assert abs(_sum(lines, "billed_cost") - Decimal("8.5450077867419368")) < TINY
    # Amortized total: the 18 amortized-only rows sum to 11.001924349894707827485419, plus the
    # 10 shared rows (8.5450077867419368 - 3.25 = 5.2950077867419368): 16.2969321366366446...
    assert abs(_sum(lines, "effective_cost") - Decimal("16.296932136636644627485419")) < TINY
    assert _sum(lines, "billed_cost").quantize(Decimal("0.01")) == Decimal("8.55")
    assert _sum(lines, "effective_cost").quantize(Decimal("0.01")) == Decimal("16.30")

    purchase = _line(lines, charge_category="Purchase")
    assert purchase["billed_cost"] == Decimal("3.25") and purchase["effective_cost"] == 0
    assert purchase["pricing_category"] == "Standard"
    assert purchase["commitment_discount_id"] == (
        "/providers/Microsoft.Capacity/reservationOrders/"
        "49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/"
    )
    assert purchase["x_source_file"].endswith("EA_ActualCost_Small.csv")

    reserved = _line(lines, pricing_category="Committed", x_instance_type="Standard_DS2_v2")
    assert reserved["billed_cost"] == 0  # covered usage has no actual twin in these cuts
    assert reserved["effective_cost"] == Decimal("0.493152")
    assert reserved["commitment_discount_status"] == "Used"
    assert reserved["commitment_discount_id"].endswith(
        "/reservations/f39d1c73-af74-4308-9083-fbf5efab37d1"
    )
    assert reserved["list_cost"] is None  # PayGPrice 0 on reservation usage
    assert reserved["contracted_cost"] == Decimal("1.168")  # UnitPrice 0.146 x 8 hours
    assert (reserved["usage_quantity"], reserved["usage_unit"]) == (Decimal(8), "Hours")
    assert reserved["charge_period_start"] == datetime(2023, 9, 22)
    assert reserved["charge_period_end"] == datetime(2023, 9, 23)

    plan = _line(lines, x_instance_type="Standard_B2s")
    assert plan["commitment_discount_id"].startswith("/providers/Microsoft.BillingBenefits/")
    # PayGPrice 0.0416 x 0.32085564 h = 0.013347594624, kept to 10 places.
    assert plan["list_cost"] == Decimal("0.0133475946")
    assert plan["effective_cost"] == Decimal("0.0060000005")  # 0.006000000468 to 10 places

    # A row in both exports: billed from the actual one, effective from the amortized one.
    both = _line(lines, x_instance_type="Standard_D2s_v3")
    assert both["billed_cost"] == both["effective_cost"] == Decimal("2.64")
    assert both["list_cost"] == Decimal("2.64")  # PayGPrice 0.11 x 24 hours
    assert both["region"] == "SouthCentralUS" and both["provider"] == "Microsoft"
    # 10K unit: Quantity 0.0004 blocks of 10,000 operations = 4 operations; list 0.1 x 0.0004.
    ops = _line(lines, resource_name="dbstoragewp6hglwvvrad2")
    assert (ops["usage_quantity"], ops["usage_unit"]) == (Decimal(4), "Units")
    assert ops["list_cost"] == Decimal("0.00004") and ops["billed_cost"] == Decimal("0.00004")


# --- the other schemas -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "period", "rows", "currency", "total"),
    [
        # 0.114455 + 0 + 3.455664 + 0.034567754 + 16.393727
        ("azure_version_2.csv", "2020-09", 5, "MC", "19.998413754"),
        # 0.0000204972 + 0.0000016 + 0.000004 + 0.000000144
        ("camel_azure_version_2.csv", "2023-08", 4, "USD", "0.0000262412"),
        # 0 + 0.00010368 + 0.00000648
        ("azure_camelCased.csv", "2019-07", 3, "USD", "0.00011016"),
        ("costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv", "2019-07", 3, "USD", "0.00011016"),
        # 27 rows summed by hand, scientific notation included (5.64902E-05 = 0.0000564902, ...)
        ("sample-anonymous-ea-export-dataset.csv", "2023-09", 27, "CAD", "1.26136926505726"),
    ],
)
def test_each_schema_loads_and_reconciles(
    name: str, period: str, rows: int, currency: str, total: str
) -> None:
    raw, lines = _load(AZURE / name, period)
    assert azure_problems(raw, lines) == []
    assert lines.height == rows
    assert azure_control_totals(raw) == [(currency, rows, Decimal(total))]
    assert abs(_sum(lines, "billed_cost") - Decimal(total)) < TINY
    assert set(lines.get_column("provider")) == {"Microsoft"}


def test_ea_pascal_case_blocks_of_ten_hours() -> None:
    _, lines = _load(AZURE / "azure_version_2.csv", "2020-09")
    vm = _line(lines, resource_name="rsid2")
    # UnitOfMeasure "10 Hours", Quantity 22: 220 hours; UnitPrice 0.23 per 10 h x 22 = 5.06.
    assert (vm["usage_quantity"], vm["usage_unit"]) == (Decimal(220), "Hours")
    assert vm["contracted_cost"] == Decimal("5.06")
    assert vm["list_cost"] is None  # PayGPrice 0
    assert vm["x_instance_type"] == "Standard_D4s_v3" and vm["x_gpu_hours"] is None
    assert vm["charge_period_start"] == datetime(2020, 9, 11)
    assert vm["billing_period_start"] == date(2020, 9, 1)


def test_mca_camel_case_takes_period_from_the_date_and_list_from_payg_cost() -> None:
    _, lines = _load(AZURE / "camel_azure_version_2.csv", "2023-08")
    first = _line(lines, resource_name="filtereddatademo")
    assert first["resource_id"].endswith("/storageAccounts/filtereddatademo")  # InstanceName
    assert first["list_cost"] == Decimal("0.0000204972")  # paygCostInBillingCurrency
    assert first["billing_account_id"] == "3c100a8a-215e-5a7e-24b2-61aa86945012"
    assert first["region"] == "eastus" and first["service_name"] == "Storage"
    tagged = _line(lines, resource_name="costmgmtdiag")
    assert tagged["tags"] == [{"key": "project", "value": "p1"}]


def test_old_usage_schema_in_both_cases_with_bom() -> None:
    for name, subscription in (
        ("azure_camelCased.csv", "2639de71"),
        ("costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv", "0039de71"),
    ):
        _, lines = _load(AZURE / name, "2019-07")
        disk = _line(lines, billed_cost=Decimal("0.00010368"))
        assert disk["sub_account_id"].startswith(subscription)
        assert disk["usage_quantity"] == Decimal("0.288")
        assert disk["contracted_cost"] == Decimal("0.00010368")  # ResourceRate 0.00036 x 0.288
        assert disk["charge_period_start"] == datetime(2019, 7, 28)
        assert disk["resource_name"] == "costmgmtdiag" and disk["billing_currency"] == "USD"


def test_anonymous_ea_spot_scientific_notation_and_braceless_tags() -> None:
    _, lines = _load(AZURE / "sample-anonymous-ea-export-dataset.csv", "2023-09")
    ops = _line(lines, billed_cost=Decimal("0.0000564902"))  # written 5.64902E-05
    assert ops["usage_quantity"] == Decimal(129)  # 0.0129 blocks of 10K
    spot = lines.filter(pl.col("pricing_category") == "Dynamic")
    assert spot.height == 3  # DS4 v2 Spot and twice L4s Spot
    assert spot.get_column("list_cost").null_count() == 3
    assert ops["tags"] == [
        {"key": "tagA", "value": "valueA"},
        {"key": "tagB", "value": "valueB"},
        {"key": "tagC", "value": "valueC"},
    ]


# --- a generated GPU export: spot, reservation, purchase, 10 Hours, fractional GPU -------------

HEADER = (
    "Date,BillingPeriodStartDate,BillingAccountId,SubscriptionId,ResourceId,"
    "ResourceLocation,MeterId,MeterCategory,MeterName,Quantity,UnitOfMeasure,EffectivePrice,"
    "CostInBillingCurrency,UnitPrice,PayGPrice,BillingCurrencyCode,ChargeType,PricingModel,"
    "Frequency,benefitId,AdditionalInfo,Tags\n"
)
VM = "/subscriptions/sub-1/resourceGroups/ml/providers/Microsoft.Compute/virtualMachines/"
RI = "/providers/Microsoft.Capacity/reservationOrders/ro-1/reservations/r-1"
H100 = '"{""ServiceType"": ""Standard_ND96isr_H100_v5""}"'
SPOT = (
    f"3/5/2024,3/1/2024,ea-1,sub-1,{VM}spot-a100,eastus,m-spot,Virtual Machines,"
    "NC24ads A100 v4 Spot,10,1 Hour,1.47,14.70,1.47,1.47,USD,Usage,Spot,UsageBased,,,"
    '"""team"": ""research"""\n'
)
V100 = (
    f"3/5/2024,3/1/2024,ea-1,sub-1,{VM}v100-dev,eastus,m-v100,Virtual Machines,NC6s v3,"
    "2.4,10 Hours,27.54,66.096,27.54,30.60,USD,Usage,OnDemand,UsageBased,,,\n"
)
A10 = (
    f"3/5/2024,3/1/2024,ea-1,sub-1,{VM}viz-1,eastus,m-a10,Virtual Machines,NV12ads A10 v5,"
    "6,1 Hour,0.908,5.448,0.908,0.908,USD,Usage,OnDemand,UsageBased,,,\n"
)


def _reserved(price: str, cost: str) -> str:
    return (
        f"3/5/2024,3/1/2024,ea-1,sub-1,{VM}h100-train,eastus,m-h100,Virtual Machines,"
        f"ND96isr H100 v5,24,1 Hour,{price},{cost},98.32,0,USD,Usage,Reservation,"
        f"UsageBased,{RI},{H100},\n"
    )


ACTUAL = (
    HEADER
    + SPOT
    + _reserved("0", "0")
    + (
        "3/1/2024,3/1/2024,ea-1,sub-1,/providers/Microsoft.Capacity/reservationOrders/ro-1,eastus,"
        "m-h100,Virtual Machines,ND96isr H100 v5,1,1 Hour,2000,2000,2000,0,USD,Purchase,"
        f"Reservation,Recurring,{RI},,\n"
    )
    + V100
    + A10
)
AMORTIZED = (
    HEADER
    + SPOT
    + _reserved("60", "1440")
    + V100
    + A10
    + (
        f"3/5/2024,3/1/2024,ea-1,sub-1,{RI},eastus,m-h100,Virtual Machines,ND96isr H100 v5,4,"
        f"1 Hour,60,240,98.32,0,USD,UnusedReservation,Reservation,UsageBased,{RI},,\n"
    )
)


def _write(path: Path, text: str, modified: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if modified is not None:
        os.utime(path, (modified, modified))
    return path


def _gpu_exports(root: Path, *, actual: bool = True, amortized: bool = True) -> Path:
    if actual:
        folder = root / "gpu-actual" / "20240301-20240331"
        # An older run of the same export: it restates the month, so it must not count.
        _write(folder / "run-old" / "part_0.csv", HEADER + SPOT.replace("14.70", "99"), 1_000)
        _write(folder / "run-new" / "part_0.csv", ACTUAL, 2_000)
    if amortized:
        _write(root / "gpu-amortized" / "20240301-20240331" / "run-1" / "part_0.csv", AMORTIZED)
    return root


def test_generated_gpu_export_worked_by_hand(tmp_path: Path) -> None:
    raw, lines = _load(_gpu_exports(tmp_path), "2024-03")
    assert not any("run-old" in f for f in raw.get_column("_file").unique().to_list())
    assert azure_problems(raw, lines) == []
    assert lines.height == 6  # 4 shared usage lines, the purchase, the unused hours

    spot = _line(lines, x_instance_type="Standard_NC24ads_A100_v4")  # from the meter name
    assert spot["pricing_category"] == "Dynamic" and spot["list_cost"] is None
    assert spot["billed_cost"] == spot["effective_cost"] == Decimal("14.70")
    assert spot["contracted_cost"] == Decimal("14.70")  # UnitPrice 1.47 x 10 h
    assert (spot["x_gpu_count"], spot["x_gpu_model"]) == (1, "A100")
    assert spot["x_gpu_hours"] == 10  # 10 h x 1 GPU
    assert spot["tags"] == [{"key": "team", "value": "research"}]

    reserved = _line(lines, pricing_category="Committed", commitment_discount_status="Used")
    assert reserved["billed_cost"] == 0  # actual export: covered by the reservation
    assert reserved["effective_cost"] == Decimal("1440")  # amortized: 60 x 24 h
    assert reserved["list_cost"] is None  # PayGPrice 0
    assert reserved["contracted_cost"] == Decimal("2359.68")  # 98.32 x 24 h
    assert reserved["commitment_discount_id"] == RI
    assert reserved["x_gpu_hours"] == 192  # 24 h x 8 H100

    purchase = _line(lines, charge_category="Purchase")
    assert purchase["billed_cost"] == Decimal("2000") and purchase["effective_cost"] == 0
    assert purchase["pricing_category"] == "Standard" and purchase["x_gpu_hours"] is None
    assert purchase["charge_frequency"] == "Recurring"

    v100 = _line(lines, x_instance_type="Standard_NC6s_v3")
    # "10 Hours": Quantity 2.4 blocks = 24 h; list 30.60 x 2.4 = 73.44; contracted 27.54 x 2.4.
    assert (v100["usage_quantity"], v100["usage_unit"]) == (Decimal(24), "Hours")
    assert v100["list_cost"] == Decimal("73.44")
    assert v100["contracted_cost"] == v100["billed_cost"] == v100["effective_cost"]
    assert v100["billed_cost"] == Decimal("66.096")
    assert v100["x_gpu_hours"] == 24  # 24 h x 1 V100, not 2.4

    a10 = _line(lines, x_instance_type="Standard_NV12ads_A10_v5")
    assert a10["list_cost"] == Decimal("5.448")  # 0.908 x 6 h
    assert abs(a10["x_gpu_count"] - Decimal(1) / 3) < TINY  # a third of one A10
    assert abs(a10["x_gpu_hours"] - 2) < TINY  # 6 h x 1/3

    unused = _line(lines, commitment_discount_status="Unused")
    assert unused["billed_cost"] == 0 and unused["effective_cost"] == Decimal("240")
    assert unused["pricing_category"] == "Committed" and unused["charge_category"] == "Usage"
    assert unused["x_gpu_hours"] is None  # unused reservation hours are not GPU use

    # Billed: 14.70 + 0 + 2000 + 66.096 + 5.448 = 2086.244 (the actual export's total).
    assert _sum(lines, "billed_cost") == Decimal("2086.244")
    assert azure_control_totals(raw) == [("USD", 6, Decimal("2086.244"))]
    # Effective: 14.70 + 1440 + 66.096 + 5.448 + 240 = 1766.244 (the amortized export's total).
    assert _sum(lines, "effective_cost") == Decimal("1766.244")
    assert abs(_sum(lines, "x_gpu_hours") - 228) < TINY  # 10 + 192 + 24 + 2


def test_a_source_with_only_one_of_the_exports_still_loads(tmp_path: Path) -> None:
    raw, lines = _load(_gpu_exports(tmp_path / "a", amortized=False), "2024-03")
    assert lines.height == 5
    assert _sum(lines, "billed_cost") == Decimal("2086.244")
    # Effective = billed except the reservation purchase: 2086.244 - 2000 = 86.244.
    assert _sum(lines, "effective_cost") == Decimal("86.244")
    assert azure_control_totals(raw) == [("USD", 5, Decimal("2086.244"))]

    raw, lines = _load(_gpu_exports(tmp_path / "b", actual=False), "2024-03")
    assert lines.height == 5
    # Only the amortized view exists, so billed is the amortized cost too: 1766.244.
    assert _sum(lines, "billed_cost") == _sum(lines, "effective_cost") == Decimal("1766.244")
    assert azure_control_totals(raw) == [("USD", 5, Decimal("1766.244"))]


def test_gzip_and_typed_parquet_read_like_csv(tmp_path: Path) -> None:
    csv_path = _write(tmp_path / "src" / "actual.csv", ACTUAL)
    gz = tmp_path / "gz" / "actual.csv.gz"
    gz.parent.mkdir()
    gz.write_bytes(gzip.compress(ACTUAL.encode()))
    parquet = tmp_path / "pq" / "actual.parquet"
    parquet.parent.mkdir()
    pl.read_csv(csv_path).write_parquet(parquet)  # numbers stored as floats and integers
    for root in (gz.parent, parquet.parent):
        raw, lines = _load(root, "2024-03")
        assert azure_problems(raw, lines) == []
        assert _sum(lines, "billed_cost") == Decimal("2086.244")  # as in the CSV test
        assert azure_control_totals(raw) == [("USD", 5, Decimal("2086.244"))]
        assert _line(lines, x_instance_type="Standard_NC6s_v3")["usage_quantity"] == 24


# --- MCA billed in NOK, priced in USD --------------------------------------------------------

MCA_NOK = """\
date,billingPeriodStartDate,billingAccountId,subscriptionId,InstanceName,resourceLocation,\
meterId,meterCategory,meterName,quantity,unitOfMeasure,effectivePrice,unitPrice,payGPrice,\
costInBillingCurrency,paygCostInBillingCurrency,exchangeRatePricingToBilling,billingCurrency,\
pricingCurrency,chargeType,pricingModel,frequency
04/02/2024,04/01/2024,ba-1,sub-n,/subscriptions/sub-n/vm-1,norwayeast,m-1,Virtual Machines,\
D4s v5,3,1 Hour,1.80,1.80,2.00,56.70,63.21,10.5,NOK,USD,Usage,OnDemand,UsageBased
04/02/2024,04/01/2024,ba-1,sub-n,/subscriptions/sub-n/vm-2,norwayeast,m-2,Virtual Machines,\
D2s v5,4,1 Hour,0.40,0.40,0.50,16.80,,10.5,NOK,USD,Usage,OnDemand,UsageBased
04/03/2024,04/01/2024,ba-2,sub-u,/subscriptions/sub-u/vm-3,eastus,m-3,Virtual Machines,\
D2s v5,5,1 Hour,0.50,0.50,0.60,2.50,,1.0,USD,USD,Usage,OnDemand,UsageBased
04/03/2024,04/01/2024,ba-1,sub-n,/subscriptions/sub-n/vm-4,norwayeast,m-4,Virtual Machines,\
D2s v5,1,1 Hour,0.95,0.95,1.00,10.00,,,NOK,USD,Usage,OnDemand,UsageBased
"""


def test_mca_list_cost_in_the_billing_currency_with_the_exports_own_rate(tmp_path: Path) -> None:
    raw, lines = _load(_write(tmp_path / "mca-nok.csv", MCA_NOK), "2024-04")
    assert azure_problems(raw, lines) == []
    one, two, usd, no_rate = lines.sort("x_source_row").rows(named=True)
    # The export's own paygCostInBillingCurrency (63.21) wins over 2.00 x 3 h x 10.5 = 63.00.
    assert one["list_cost"] == Decimal("63.21")
    assert one["contracted_cost"] == Decimal("56.70")  # 1.80 USD x 3 h x 10.5
    assert one["billing_currency"] == "NOK"
    assert two["list_cost"] == Decimal("21.00")  # 0.50 USD x 4 h x 10.5
    assert two["contracted_cost"] == Decimal("16.80")  # 0.40 USD x 4 h x 10.5
    assert usd["list_cost"] == Decimal("3.00") and usd["billing_currency"] == "USD"  # 0.60 x 5
    # Priced in USD, billed in NOK, no rate given: no list or contracted cost rather than USD.
    assert no_rate["list_cost"] is None and no_rate["contracted_cost"] is None
    assert no_rate["billed_cost"] == Decimal("10.00")
    # Never added across currencies: NOK 56.70 + 16.80 + 10.00 = 83.50, USD 2.50 on its own.
    assert sorted(azure_control_totals(raw)) == [
        ("NOK", 3, Decimal("83.50")),
        ("USD", 1, Decimal("2.50")),
    ]


# --- bad input is reported, not dropped --------------------------------------------------------

MALFORMED = HEADER + SPOT + V100.replace("66.096", "1O.50") + A10


def test_a_cost_that_is_not_a_number_is_named_by_file_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken-actual.csv", MALFORMED)
    raw, lines = _load(path, "2024-03")
    assert raw.height == 3 and lines.height == 3  # no row dropped
    assert azure_problems(raw, lines) == [
        InputProblem(
            file=str(path),
            row=2,
            column="CostInBillingCurrency",
            message="a number expected, found '1O.50'",
        )
    ]
    assert lines.get_column("billed_cost").to_list() == [Decimal("14.70"), None, Decimal("5.448")]


def test_a_row_without_a_readable_date_blocks_the_source(tmp_path: Path) -> None:
    text = "Date,PreTaxCost,Currency\n2024-03-05,1.00,USD\nyesterday,2.00,USD\n"
    path = _write(tmp_path / "usage.csv", text)
    discovery = AzureCostExport(str(path), LocalFileSystem()).discover()
    assert list(discovery.periods) == ["2024-03"]
    assert discovery.unplaced == [
        InputProblem(
            file=str(path),
            row=2,
            column="Date",
            message="not a date: 'yesterday', so the row's billing period is unknown",
        )
    ]


# --- building blocks -----------------------------------------------------------------------------


def test_header_names_meet_in_one_spelling() -> None:
    names = [
        "\ufeffSubscriptionGuid",
        "usageDateTime",
        "meterSubcategory",
        "benefitId",
        "costInBillingCurrency",
        "paygCostInBillingCurrency",
        "someNewColumn",
    ]
    assert list(canonical_names(names).values()) == [
        "SubscriptionGuid",
        "UsageDateTime",
        "MeterSubCategory",
        "BenefitId",
        "CostInBillingCurrency",
        "PaygCostInBillingCurrency",
        "SomeNewColumn",
    ]


def test_dates_in_us_and_iso_order() -> None:
    text = pl.Series(["9/2/2023", "09/21/2023", "2019-07-29 00:00:00", "2023-09-01", "13/1/2023"])
    assert pl.select(azure_date(pl.lit(text))).to_series().to_list() == [
        date(2023, 9, 2),
        date(2023, 9, 21),
        date(2019, 7, 29),
        date(2023, 9, 1),
        None,
    ]


def test_export_kind_from_the_file_or_folder_name() -> None:
    assert export_kind("s3://b/exports/daily-Amortized/20240301-20240331/x.csv") == "amortized"
    assert export_kind("/data/EA_AmortizedCost_Small.csv") == "amortized"
    assert export_kind("/data/EA_ActualCost_Small.csv") == "actual"


@pytest.mark.parametrize(
    ("size", "gpus", "model"),
    [
        ("Standard_NC24ads_A100_v4", 1, "A100"),
        ("nc24ads_a100_v4", 1, "A100"),
        ("STANDARD_ND96ASR_V4", 8, "A100"),
        ("ND96isr_H100_v5", 8, "H100"),
        ("Standard_ND96isr_H200_v5", 8, "H200"),
        ("Standard_NC6s_v3", 1, "V100"),
        ("Standard_NC64as_T4_v3", 4, "T4"),
        ("Standard_NV12s_v3", 1, "M60"),
        ("Standard_NV6ads_A10_v5", 1 / 6, "A10"),
        ("NV12ads_A10_v5", 1 / 3, "A10"),
        ("Standard_NV18ads_A10_v5", 1 / 2, "A10"),
        ("Standard_NV36ads_A10_v5", 1, "A10"),
        ("Standard_NV36adms_A10_v5", 1, "A10"),
        ("Standard_NV72ads_A10_v5", 2, "A10"),
    ],
)
def test_azure_gpu_sizes(size: str, gpus: float, model: str) -> None:
    found = accelerators(size)
    assert found is not None and (found.gpus, found.gpu_model) == (gpus, model)
