"""The base of every config model: unknown keys are errors (a typo in a budget or a path that
is silently ignored costs money), and a loaded config never changes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
