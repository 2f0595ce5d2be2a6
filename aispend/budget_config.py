"""The ``budgets:`` entries of aispend.yaml: what a budget limits (money, GPU-hours, energy or
CO2e), over which scope and window, and at which thresholds it alerts."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from aispend.config_base import Strict as _Strict


class Threshold(_Strict):
    percent: float = Field(gt=0)
    on: Literal["actual", "forecast"] = "actual"


#: What a budget scope may filter on: cost_lines columns, or tags (team, run, any tag).
BUDGET_SCOPE_KEYS = (
    "provider",
    "billing_account_id",
    "sub_account_id",
    "service_name",
    "service_category",
    "region",
    "team",
    "run",
    "tag",
)


#: Budget scope keys that marts.energy can answer (energy has no service, account or tag).
ENERGY_SCOPE_KEYS = ("provider", "region", "team", "run")


class BudgetConfig(_Strict):
    """A limit on money (``amount``, in the billing currency), ``gpu_hours``, ``energy_kwh``
    (electricity the GPUs drew) or ``co2e_kg`` (what that emitted)."""

    name: str
    scope: dict[str, str] = Field(default_factory=dict)
    period: Literal["daily", "monthly", "quarterly"] = "monthly"
    amount: Decimal | None = Field(default=None, gt=0)
    gpu_hours: Decimal | None = Field(default=None, gt=0)
    energy_kwh: Decimal | None = Field(default=None, gt=0)
    co2e_kg: Decimal | None = Field(default=None, gt=0)
    currency: str | None = None
    thresholds: list[Threshold] = Field(default_factory=lambda: [Threshold(percent=100)])
    notify: list[str] = Field(default_factory=list)

    @field_validator("scope")
    @classmethod
    def _known_scope(cls, scope: dict[str, str]) -> dict[str, str]:
        for key, value in scope.items():
            if key not in BUDGET_SCOPE_KEYS:
                raise ValueError(
                    f"unknown scope key {key!r}; use one of {', '.join(BUDGET_SCOPE_KEYS)}"
                )
            if key == "tag" and "=" not in value:
                raise ValueError("scope 'tag' is written key=value, e.g. 'project=llm'")
        return scope

    @model_validator(mode="after")
    def _one_amount(self) -> BudgetConfig:
        given = [unit for unit, value in self._limits().items() if value is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'amount' (money), 'gpu_hours', 'energy_kwh' or 'co2e_kg'"
            )
        if self.unit in ("energy_kwh", "co2e_kg"):
            for key in self.scope:
                if key not in ENERGY_SCOPE_KEYS:
                    raise ValueError(
                        f"an {self.unit} budget cannot be scoped by {key!r}; "
                        f"use {', '.join(ENERGY_SCOPE_KEYS)}"
                    )
        return self

    def _limits(self) -> dict[str, Decimal | None]:
        return {
            "money": self.amount,
            "gpu_hours": self.gpu_hours,
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
        }

    @property
    def unit(self) -> str:
        """money, gpu_hours, energy_kwh or co2e_kg."""
        return next(unit for unit, value in self._limits().items() if value is not None)

    @property
    def limit(self) -> Decimal:
        value = self._limits()[self.unit]
        assert value is not None
        return value
