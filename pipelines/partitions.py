"""Partition definitions shared by every pipeline: bills by billing month, telemetry by UTC day."""

from __future__ import annotations

from dagster import DailyPartitionsDefinition, MonthlyPartitionsDefinition

from aispend.periods import FIRST_PERIOD

billing_periods = MonthlyPartitionsDefinition(start_date=FIRST_PERIOD, fmt="%Y-%m", end_offset=1)
telemetry_days = DailyPartitionsDefinition(start_date=f"{FIRST_PERIOD}-01", end_offset=1)
