"""Property-based fuzzing of the bill parsers: truncated, shuffled, mis-encoded and wrong-typed
input ends in a clear error naming the file, or in a load whose total is exactly right."""

import csv
import gzip
import io
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aispend.billing_load import load_billing_partition
from aispend.config import AispendConfig, config_from_dict
from aispend.errors import InputError

FOCUS_HEADER = [
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ProviderName",
    "ServiceName",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "Tags",
]
CUR_HEADER = [
    "bill/BillingPeriodStartDate",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/UnblendedCost",
    "lineItem/CurrencyCode",
    "product/ProductName",
    "resourceTags/user:team",
]
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

costs = st.lists(
    st.decimals(
        min_value=Decimal("-500"),
        max_value=Decimal("5000"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    ),
    min_size=1,
    max_size=25,
)


def focus_rows(values: list[Decimal]) -> list[list[str]]:
    return [
        [
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            f"2026-10-02T{i % 24:02d}:00:00Z",
            f"2026-10-02T{i % 24:02d}:59:59Z",
            "AWS",
            "Amazon EC2",
            str(v),
            str(v),
            "USD",
            f'{{"team": "t{i}"}}',
        ]
        for i, v in enumerate(values)
    ]


def cur_rows(values: list[Decimal]) -> list[list[str]]:
    return [
        [
            "2026-10-01T00:00:00Z",
            "Usage",
            f"2026-10-02T{i % 24:02d}:00:00Z",
            f"2026-10-02T{i % 24:02d}:59:59Z",
            str(v),
            "USD",
            "Amazon EC2",
            f"team-{i}",
        ]
        for i, v in enumerate(values)
    ]


KINDS = {
    "focus": (FOCUS_HEADER, focus_rows, "BilledCost"),
    "aws_cur": (CUR_HEADER, cur_rows, "lineItem/UnblendedCost"),
}


def render(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue()


def config_for(folder: Path, kind: str) -> AispendConfig:
    return config_from_dict(
        {
            "warehouse": str(folder / "w.duckdb"),
            "sources": [{"name": "fuzz", "kind": kind, "path": str(folder / "bills")}],
        },
        base_dir=folder,
        origin="fuzz",
    )


def load(folder: Path, kind: str, body: bytes, name: str = "export.csv") -> Decimal | None:
    """The loaded billed total, or None when the load was refused with a clear InputError."""
    bills = folder / "bills"
    bills.mkdir(parents=True, exist_ok=True)
    for old in bills.iterdir():
        old.unlink()
    (bills / name).write_bytes(body)
    config = config_for(folder, kind)
    try:
        result = load_billing_partition(config, config.sources[0], "2026-10")
    except InputError as exc:
        assert exc.problems and all(p.file for p in exc.problems)
        assert str(bills) in str(exc)  # names the file
        return None
    return sum(result.billed_by_currency.values(), Decimal(0))


def complete_rows_total(text: str, full: str, header: list[str], cost_column: str) -> Decimal:
    """Independent expectation for a cut file: the rows that survived whole, summed. The last
    piece is whole only if the cut fell exactly at its end (just before its newline)."""
    lines = text.split("\n")
    last_is_whole = full[len(text) :].startswith("\n")
    whole = (
        [line for line in lines[1:] if line]
        if last_is_whole
        else [line for line in lines[1:-1] if line]
    )
    index = header.index(cost_column)
    return sum((Decimal(next(csv.reader([line]))[index]) for line in whole), Decimal(0))


@pytest.mark.parametrize("kind", ["focus", "aws_cur"])
@SETTINGS
@given(values=costs, cut=st.floats(min_value=0.05, max_value=1.0))
def test_truncated_files_fail_or_load_exactly_the_whole_rows(tmp_path, kind, values, cut) -> None:  # type: ignore[no-untyped-def]
    header, make_rows, cost_column = KINDS[kind]
    text = render(header, make_rows(values))
    cut_text = text[: max(1, int(len(text) * cut))]
    total = load(tmp_path, kind, cut_text.encode())
    if total is not None:
        assert total == complete_rows_total(cut_text, text, header, cost_column)


@pytest.mark.parametrize("kind", ["focus", "aws_cur"])
@SETTINGS
@given(values=costs, seed=st.integers(0, 2**32 - 1))
def test_shuffled_rows_and_columns_load_the_same_total(tmp_path, kind, values, seed) -> None:  # type: ignore[no-untyped-def]
    header, make_rows, _ = KINDS[kind]
    rng = random.Random(seed)
    rows = make_rows(values)
    rng.shuffle(rows)
    order = list(range(len(header)))
    rng.shuffle(order)
    text = render([header[i] for i in order], [[row[i] for i in order] for row in rows])
    assert load(tmp_path, kind, text.encode()) == sum(values, Decimal(0))


@pytest.mark.parametrize("kind", ["focus", "aws_cur"])
@SETTINGS
@given(
    values=costs,
    row=st.integers(0, 24),
    junk=st.sampled_from(["abc", "12,50", "1.2.3", "$5", "NaN?", "--1", "0x1F", "1e", "∞"]),
)
def test_wrong_typed_costs_are_refused_with_row_and_column(  # type: ignore[no-untyped-def]
    tmp_path, kind, values, row, junk
) -> None:
    header, make_rows, cost_column = KINDS[kind]
    rows = make_rows(values)
    rows[row % len(rows)][header.index(cost_column)] = junk
    bills = tmp_path / "bills"
    total = load(tmp_path, kind, render(header, rows).encode())
    assert total is None
    config = config_for(tmp_path, kind)
    with pytest.raises(InputError) as err:
        load_billing_partition(config, config.sources[0], "2026-10")
    assert f"{bills / 'export.csv'}, row {row % len(rows) + 1}" in str(err.value)


@pytest.mark.parametrize("kind", ["focus", "aws_cur"])
@SETTINGS
@given(
    values=costs,
    data=st.binary(min_size=1, max_size=400),
    how=st.sampled_from(["latin1", "random", "random_gz", "inject"]),
)
def test_mis_encoded_or_garbage_bytes_never_crash(tmp_path, kind, values, data, how) -> None:  # type: ignore[no-untyped-def]
    header, make_rows, _ = KINDS[kind]
    rows = make_rows(values)
    text = render(header, rows)
    name = "export.csv"
    if how == "latin1":
        body = text.replace("Amazon EC2", "Amazon EC2 café").encode("latin-1")
    elif how == "random":
        body = data
    elif how == "random_gz":
        body, name = gzip.compress(text.encode())[: max(1, len(data))], "export.csv.gz"
    else:
        middle = len(text) // 2
        body = text[:middle].encode() + data + text[middle:].encode()
    total = load(tmp_path, kind, body, name)
    if total is not None and how == "latin1":
        pytest.fail("latin-1 bytes must be refused as not UTF-8, not loaded")
