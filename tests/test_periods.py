from datetime import date

import pytest

from aispend.periods import open_periods, parse_period, previous_period


def test_open_periods_are_the_previous_and_current_month() -> None:
    assert open_periods(date(2026, 11, 23)) == ["2026-10", "2026-11"]
    assert open_periods(date(2026, 1, 1)) == ["2025-12", "2026-01"]


def test_periods_are_validated() -> None:
    assert parse_period("2026-10") == "2026-10"
    assert previous_period("2026-03") == "2026-02"
    for bad in ("2026-13", "2026-1", "202610", "Oct 2026"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_period(bad)
